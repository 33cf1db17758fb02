// Contact data (C2, C3): e-mail, phone, address, birth date, gender, language, how they
// found the studio and their branch; refusals next to the field, in the reader's language.
import { ConsoleUpdateClientDocument, type ClientInput, type Gender } from '@studio/graph';
import { useState, type FormEvent } from 'react';
import { useMutation } from 'urql';

import { useFieldErrors } from '../../fieldErrors';
import { useI18n } from '../../i18n';
import { Problem } from '../../ui';
import type { Branch, CardMore } from './types';

const GENDERS: Gender[] = ['FEMALE', 'MALE', 'NON_BINARY', 'UNDISCLOSED'];
const ADDRESS = ['line1', 'line2', 'city', 'postalCode', 'region', 'country'] as const;
const FIELDS = ['email', 'phone', 'birthDate', 'gender', 'language', 'referralSource', 'preferredBranchId', ...ADDRESS];

const text = (form: FormData, name: string) => String(form.get(name) ?? '').trim();

export function Contact(props: { client: CardMore; branches: Branch[] }) {
  const { t } = useI18n();
  const { client } = props;
  const [result, update] = useMutation(ConsoleUpdateClientDocument);
  const fields = useFieldErrors(result.data?.updateClient?.userErrors, FIELDS);
  const [saved, setSaved] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setSaved(false);
    const form = new FormData(event.currentTarget);
    // Only what changed is sent: an untouched field stays as the card has it.
    const input: ClientInput = {};
    const changed = (name: string, now: string | null | undefined) => text(form, name) !== (now ?? '');
    if (changed('email', client.email)) input.email = text(form, 'email');
    if (changed('phone', client.phone)) input.phone = text(form, 'phone');
    if (changed('birthDate', client.birthDate)) input.birthDate = text(form, 'birthDate') || null;
    if (changed('gender', client.gender)) input.gender = (text(form, 'gender') || null) as Gender | null;
    if (changed('language', client.language)) input.language = text(form, 'language') || null;
    if (changed('referralSource', client.referralSource)) input.referralSource = text(form, 'referralSource');
    if (changed('preferredBranchId', client.preferredBranchId)) {
      input.preferredBranchId = text(form, 'preferredBranchId') || null;
    }
    if (ADDRESS.some((part) => changed(part, client.address?.[part]))) {
      input.address = Object.fromEntries(ADDRESS.map((part) => [part, text(form, part) || null]));
    }
    if (Object.keys(input).length === 0) {
      setSaved(true);
      return;
    }
    const answer = await update({ id: client.id, input });
    if (answer.data?.updateClient?.client) setSaved(true);
  }

  const input = (name: (typeof FIELDS)[number], label: string, value: string | null | undefined, type = 'text') => (
    <label key={name}>
      {label}
      <input
        name={name}
        type={type}
        defaultValue={value ?? ''}
        autoComplete="off"
        {...(type === 'tel' ? { inputMode: 'tel' as const } : {})}
        {...fields.describe(name)}
      />
      {fields.message(name)}
    </label>
  );

  return (
    <section className="panel" aria-labelledby="contact-title">
      <h2 id="contact-title">{t('cd.contact')}</h2>
      <form className="stack" onSubmit={(e) => void submit(e)}>
        {input('email', t('card.email'), client.email, 'email')}
        {input('phone', t('card.phone'), client.phone, 'tel')}
        {input('birthDate', t('card.birthDate'), client.birthDate, 'date')}
        <label>
          {t('cd.gender')}
          <select name="gender" defaultValue={client.gender ?? ''} {...fields.describe('gender')}>
            <option value="">—</option>
            {GENDERS.map((g) => (
              <option key={g} value={g}>
                {t(`cd.gender.${g}`)}
              </option>
            ))}
          </select>
          {fields.message('gender')}
        </label>
        <label>
          {t('card.language')}
          <select name="language" defaultValue={client.language ?? ''} {...fields.describe('language')}>
            <option value="">—</option>
            <option value="es" lang="es">Español</option>
            <option value="it" lang="it">Italiano</option>
            <option value="en" lang="en">English</option>
          </select>
          {fields.message('language')}
        </label>
        {input('referralSource', t('cd.referral'), client.referralSource)}
        {props.branches.length > 0 && (
          <label>
            {t('cd.branch')}
            <select name="preferredBranchId" defaultValue={client.preferredBranchId ?? ''} {...fields.describe('preferredBranchId')}>
              <option value="">—</option>
              {props.branches.map((b) => (
                <option key={b.id} value={b.id}>
                  {b.name}
                </option>
              ))}
            </select>
            {fields.message('preferredBranchId')}
          </label>
        )}
        <fieldset>
          <legend>{t('cd.address')}</legend>
          {ADDRESS.map((part) => input(part, t(`cd.address.${part}`), client.address?.[part]))}
        </fieldset>
        <div>
          <button type="submit" disabled={result.fetching}>
            {t('save')}
          </button>
        </div>
        {result.error && <Problem error={result.error} />}
        {fields.rest()}
        {saved && <p role="status">{t('rk.saved')}</p>}
      </form>
    </section>
  );
}
