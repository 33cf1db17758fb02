// A rank category's settings (R2, B3): name, automatic promotion, who is told of an
// eligibility or a promotion, archived, and the services whose visits count; and a form
// for a new category.
import {
  ConsoleCreateRankCategoryDocument,
  ConsoleUpdateRankCategoryDocument,
  type ConsoleRankCategoryFragment,
  type RankCategoryInput,
  type Role,
} from '@studio/graph';
import { useState, type FormEvent } from 'react';
import { useMutation } from 'urql';

import { useFieldErrors } from '../../fieldErrors';
import { useI18n } from '../../i18n';
import { Problem } from '../../ui';
import { useServices } from '../pickers';

const ROLES: Role[] = ['OWNER', 'ADMIN', 'OPERATOR'];
const FIELDS = ['name', 'autoPromote', 'notifyOnEligibility', 'notifyRoles', 'notifyClient', 'archived', 'serviceIds'];

/** The category input a settings form holds. */
function inputOf(form: FormData): RankCategoryInput {
  return {
    name: String(form.get('name') ?? '').trim(),
    autoPromote: form.get('autoPromote') === 'on',
    notifyOnEligibility: form.get('notifyOnEligibility') === 'on',
    notifyClient: form.get('notifyClient') === 'on',
    notifyRoles: ROLES.filter((role) => form.get(`role-${role}`) === 'on'),
    archived: form.get('archived') === 'on',
    serviceIds: String(form.get('serviceIds') ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  };
}

function SettingsFields(props: {
  category: ConsoleRankCategoryFragment | null;
  fields: ReturnType<typeof useFieldErrors>;
}) {
  const { t } = useI18n();
  const services = useServices();
  const { category, fields } = props;
  const check = (name: keyof ConsoleRankCategoryFragment & string, label: string, value: boolean) => (
    <>
      <label className="check">
        <input type="checkbox" name={name} defaultChecked={value} {...fields.describe(name)} />
        {label}
      </label>
      {fields.message(name)}
    </>
  );
  return (
    <>
      <label>
        {t('rk.categoryName')}
        <input name="name" required defaultValue={category?.name ?? ''} {...fields.describe('name')} />
        {fields.message('name')}
      </label>
      {check('autoPromote', t('rk.autoPromote'), category?.autoPromote ?? false)}
      {check('notifyOnEligibility', t('rk.notifyOnEligibility'), category?.notifyOnEligibility ?? true)}
      {check('notifyClient', t('rk.notifyClient'), category?.notifyClient ?? false)}
      <fieldset {...fields.describe('notifyRoles')}>
        <legend>{t('rk.notifyRoles')}</legend>
        {ROLES.map((role) => (
          <label key={role} className="check">
            <input type="checkbox" name={`role-${role}`} defaultChecked={category?.notifyRoles.includes(role) ?? false} />
            {t(`rk.role.${role}`)}
          </label>
        ))}
        {fields.message('notifyRoles')}
      </fieldset>
      <label>
        {t('rk.serviceIds')}
        <input name="serviceIds" defaultValue={category?.serviceIds.join(', ') ?? ''} {...fields.describe('serviceIds')} />
        {fields.message('serviceIds')}
      </label>
      {services.length > 0 && (
        <fieldset>
          <legend>{t('pick.services')}</legend>
          {services.map((service) => (
            <label key={service.id} className="check">
              <input
                type="checkbox"
                defaultChecked={category?.serviceIds.includes(service.id) ?? false}
                onChange={(event) => {
                  // The ids field stays what is sent: a box adds its id there or takes it out.
                  const field = event.target.form?.elements.namedItem('serviceIds');
                  if (!(field instanceof HTMLInputElement)) return;
                  const ids = field.value.split(',').map((id) => id.trim()).filter(Boolean);
                  const kept = ids.filter((id) => id !== service.id);
                  field.value = (event.target.checked ? [...kept, service.id] : kept).join(', ');
                }}
              />
              {service.name ?? service.id}
            </label>
          ))}
        </fieldset>
      )}
      {category && check('archived', t('rk.archive'), category.archived)}
    </>
  );
}

export function CategorySettings({ category }: { category: ConsoleRankCategoryFragment }) {
  const { t } = useI18n();
  const [result, update] = useMutation(ConsoleUpdateRankCategoryDocument);
  const fields = useFieldErrors(result.data?.updateRankCategory?.userErrors, FIELDS);
  const [saved, setSaved] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setSaved(false);
    const answer = await update({ id: category.id, input: inputOf(new FormData(event.currentTarget)) });
    if (answer.data?.updateRankCategory?.category) setSaved(true);
  }

  return (
    <form className="stack" onSubmit={(e) => void submit(e)}>
      <SettingsFields category={category} fields={fields} />
      <button type="submit" disabled={result.fetching}>
        {t('save')}
      </button>
      {result.error && <Problem error={result.error} />}
      {fields.rest()}
      {saved && <p role="status">{t('rk.saved')}</p>}
    </form>
  );
}

export function NewCategory(props: { onCreated: () => void }) {
  const { t } = useI18n();
  const [result, create] = useMutation(ConsoleCreateRankCategoryDocument);
  const fields = useFieldErrors(result.data?.createRankCategory?.userErrors, FIELDS);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const answer = await create({ input: inputOf(new FormData(form)) });
    if (answer.data?.createRankCategory?.category) {
      form.reset();
      props.onCreated();
    }
  }

  return (
    <details className="panel">
      <summary>{t('rk.newCategory')}</summary>
      <form className="stack" onSubmit={(e) => void submit(e)}>
        <SettingsFields category={null} fields={fields} />
        <button type="submit" disabled={result.fetching}>
          {t('rk.create')}
        </button>
        {result.error && <Problem error={result.error} />}
        {fields.rest()}
      </form>
    </details>
  );
}
