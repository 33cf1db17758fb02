// Intake forms (C6): those assigned to the client, completed or not; assign one of the
// studio's forms (the graph's `forms`: those its custom fields are collected on), mark one
// filled in, remove one not yet filled in.
import {
  ConsoleAssignFormDocument,
  ConsoleCompleteFormDocument,
  ConsoleFormsDocument,
  ConsoleRemoveFormDocument,
} from '@studio/graph';
import { useEffect, type FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';

import { Refusals, useFieldErrors } from '../../fieldErrors';
import { useI18n } from '../../i18n';
import { Problem } from '../../ui';
import type { CardMore, FieldDefinition } from './types';

export function Forms(props: { client: CardMore; definitions: FieldDefinition[] }) {
  const { t, date } = useI18n();
  const { client } = props;
  const [assigned, assign] = useMutation(ConsoleAssignFormDocument);
  const [completed, complete] = useMutation(ConsoleCompleteFormDocument);
  const [removed, remove] = useMutation(ConsoleRemoveFormDocument);
  const fields = useFieldErrors(assigned.data?.assignForm?.userErrors, ['formId', 'name']);
  const other = [...(completed.data?.completeForm?.userErrors ?? []), ...(removed.data?.removeForm?.userErrors ?? [])];
  // The studio's forms, each with its id; re-read when the custom fields change.
  const [{ data }, reread] = useQuery({ query: ConsoleFormsDocument, requestPolicy: 'cache-and-network' });
  const fieldsKnown = props.definitions.length;
  useEffect(() => {
    if (fieldsKnown > 0) reread({ requestPolicy: 'network-only' });
  }, [fieldsKnown, reread]);
  const catalogue = data?.forms ?? [];
  const open = catalogue.filter((form) => !client.forms.some((f) => f.name === form.name && !f.completedAt));

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const name = String(new FormData(event.currentTarget).get('name') ?? '');
    const form = catalogue.find((f) => f.name === name);
    if (form) await assign({ clientId: client.id, formId: form.id, name: form.name });
  }

  return (
    <section className="panel" aria-labelledby="forms-title">
      <h2 id="forms-title">{t('cd.forms')}</h2>
      {client.forms.length === 0 ? (
        <p className="muted">{t('cd.noForms')}</p>
      ) : (
        <ul className="plain">
          {client.forms.map((f) => (
            <li key={f.id}>
              <p>
                <strong>{f.name}</strong>{' '}
                <span className="muted">
                  {f.completedAt
                    ? t('cd.formDone', { date: date(f.completedAt) })
                    : t('cd.formPending', { date: date(f.assignedAt) })}
                </span>
              </p>
              {!f.completedAt && (
                <div className="actions">
                  <button
                    type="button"
                    className="quiet"
                    disabled={completed.fetching}
                    onClick={() => void complete({ clientId: client.id, assignedFormId: f.id })}
                  >
                    {t('cd.formComplete', { name: f.name })}
                  </button>
                  <button
                    type="button"
                    className="quiet"
                    disabled={removed.fetching}
                    onClick={() => void remove({ clientId: client.id, assignedFormId: f.id })}
                  >
                    {t('cd.formRemove', { name: f.name })}
                  </button>
                </div>
              )}
            </li>
          ))}
        </ul>
      )}
      <Refusals errors={other} />
      {open.length > 0 && (
        <form className="inline" onSubmit={(e) => void submit(e)}>
          <label>
            {t('cd.formToAssign')}
            <select name="name" {...fields.describe('name')}>
              {open.map((form) => (
                <option key={form.id} value={form.name}>
                  {form.name}
                </option>
              ))}
            </select>
            {fields.message('name')}
            {fields.message('formId')}
          </label>
          <button type="submit" disabled={assigned.fetching}>
            {t('cd.formAssign')}
          </button>
        </form>
      )}
      {(assigned.error ?? completed.error ?? removed.error) && (
        <Problem error={(assigned.error ?? completed.error ?? removed.error)!} />
      )}
      {fields.rest()}
    </section>
  );
}
