// Message templates (N1, R10): every template of the studio by key, channel and language,
// with the placeholders it may use; the studio edits the subject and the text. An unknown
// placeholder is refused next to the text.
import {
  ConsoleResetTemplateDocument,
  ConsoleTemplatesDocument,
  ConsoleUpdateTemplateDocument,
  type ConsoleTemplateFragment,
} from '@studio/graph';
import '../more.css';
import { useId, useRef, useState, type FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';

import { Refusals, useFieldErrors } from '../fieldErrors';
import { useI18n, type Language } from '../i18n';
import type { Key } from '../i18n/en';
import { Loading, Problem } from '../ui';

const LANGUAGE_NAMES: Record<string, string> = { en: 'English', es: 'Español', it: 'Italiano' };

export default function Templates() {
  const { t } = useI18n();
  return (
    <section aria-labelledby="templates-title">
      <h1 id="templates-title">{t('tpl.title')}</h1>
      <p className="muted">{t('tpl.help')}</p>
      <TemplateEditor level={2} />
    </section>
  );
}

/** The templates (those whose key `only` accepts), one language at a time. */
export function TemplateEditor(props: { only?: (key: string) => boolean; level?: 2 | 3 }) {
  const { t, language } = useI18n();
  const [{ data, error, fetching }] = useQuery({ query: ConsoleTemplatesDocument });
  const [shown, setShown] = useState<Language | string>(language);
  const [key, setKey] = useState('');
  const all = (data?.notificationTemplates ?? []).filter((tpl) => !props.only || props.only(tpl.key));
  const keys = [...new Set(all.map((tpl) => tpl.key))];
  const languages = [...new Set(all.map((tpl) => tpl.language))];
  const templates = all.filter((tpl) => tpl.language === shown && (!key || tpl.key === key));
  return (
    <>
      {error && <Problem error={error} />}
      {!data && fetching && <Loading />}
      <div className="filters">
        <label>
          {t('tpl.language')}
          <select value={shown} onChange={(e) => setShown(e.target.value)}>
            {languages.map((code) => (
              <option key={code} value={code} lang={code}>
                {LANGUAGE_NAMES[code] ?? code}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('tpl.key')}
          <select value={key} onChange={(e) => setKey(e.target.value)}>
            <option value="">{t('tpl.allKeys')}</option>
            {keys.map((k) => (
              <option key={k} value={k}>
                {keyName(t, k)}
              </option>
            ))}
          </select>
        </label>
      </div>
      <ul className="plain">
        {templates.map((tpl) => (
          <li key={tpl.id}>
            <TemplateForm template={tpl} level={props.level ?? 3} />
          </li>
        ))}
      </ul>
      {data && templates.length === 0 && (
        <p className="muted">
          {t('tpl.none')}
        </p>
      )}
    </>
  );
}

function keyName(t: ReturnType<typeof useI18n>['t'], key: string): string {
  const known = `tpl.key.${key}`;
  return known in LABELS ? t(known as Key) : key;
}

// The keys the dictionaries name (others show as they are).
const LABELS = Object.fromEntries(
  [
    'rank_eligible_staff',
    'rank_eligible_client',
    'rank_promoted',
    'points_receipt',
    'payment_reminder',
    'booking_invitation',
    'points_balance',
    'points_expiring',
  ].map((k) => [`tpl.key.${k}`, true]),
);

function TemplateForm({ template, level }: { template: ConsoleTemplateFragment; level: 2 | 3 }) {
  const Heading = level === 2 ? 'h2' : 'h3';
  const { t } = useI18n();
  const id = useId();
  const [result, save] = useMutation(ConsoleUpdateTemplateDocument);
  const fields = useFieldErrors(result.data?.updateNotificationTemplate?.userErrors, ['body', 'subject']);
  const [saved, setSaved] = useState(false);
  const [reset, resetToDefault] = useMutation(ConsoleResetTemplateDocument);
  const formRef = useRef<HTMLFormElement>(null);
  const title = `${keyName(t, template.key)} · ${t(`cd.channel.${template.channel}`)}`;

  async function backToDefault() {
    setSaved(false);
    const answer = await resetToDefault({ key: template.key, channel: template.channel, language: template.language });
    const fresh = answer.data?.resetNotificationTemplate?.template;
    const form = formRef.current;
    if (!fresh || !form) return;
    // The fields were filled from the template once: put the default text in them.
    for (const [name, value] of [['body', fresh.body], ['subject', fresh.subject ?? '']] as const) {
      const field = form.elements.namedItem(name);
      if (field instanceof HTMLInputElement || field instanceof HTMLTextAreaElement) field.value = value;
    }
    setSaved(true);
  }

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setSaved(false);
    const form = new FormData(event.currentTarget);
    const subject = form.get('subject');
    const answer = await save({
      key: template.key,
      channel: template.channel,
      language: template.language,
      body: String(form.get('body') ?? ''),
      subject: subject === null ? null : String(subject),
    });
    if (answer.data?.updateNotificationTemplate?.template) setSaved(true);
  }

  return (
    <form ref={formRef} className="stack" aria-labelledby={`${id}-title`} onSubmit={(e) => void submit(e)}>
      <Heading id={`${id}-title`}>
        {title}{' '}
        <span className="badge" lang={template.language}>
          {template.language}
        </span>{' '}
        {template.customized ? <span className="muted">{t('tpl.customized')}</span> : <span className="muted">{t('tpl.default')}</span>}
      </Heading>
      {template.channel === 'EMAIL' && (
        <label>
          {t('tpl.subject')}
          <input name="subject" defaultValue={template.subject ?? ''} lang={template.language} {...fields.describe('subject')} />
          {fields.message('subject')}
        </label>
      )}
      <label>
        {t('tpl.body')}
        <textarea
          name="body"
          required
          rows={3}
          defaultValue={template.body}
          lang={template.language}
          {...fields.describe('body')}
          aria-describedby={[`${id}-placeholders`, fields.describe('body')['aria-describedby']].filter(Boolean).join(' ')}
        />
        {fields.message('body')}
      </label>
      <p id={`${id}-placeholders`} className="muted">
        {t('tpl.placeholders')} {template.placeholders.map((p) => `{${p}}`).join(' ')}
      </p>
      <div>
        <button type="submit" disabled={result.fetching}>
          {t('save')}
        </button>{' '}
        {template.customized && (
          <button type="button" className="quiet" disabled={reset.fetching} onClick={() => void backToDefault()}>
            {t('tpl.resetDefault', { name: title })}
          </button>
        )}
      </div>
      <Refusals errors={reset.data?.resetNotificationTemplate?.userErrors} />
      {(result.error ?? reset.error) && <Problem error={(result.error ?? reset.error)!} />}
      {fields.rest()}
      {saved && <p role="status">{t('rk.saved')}</p>}
    </form>
  );
}
