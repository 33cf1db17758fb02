// Intake forms (C6): those assigned to the client, completed or not; assign one of the
// studio's forms (the forms its custom fields are collected on), mark one filled in, remove
// one not yet filled in.
import { ConsoleAssignFormDocument, ConsoleCompleteFormDocument, ConsoleRemoveFormDocument } from '@studio/graph';
import type { FormEvent } from 'react';
import { useMutation } from 'urql';

import { explain, useFieldErrors } from '../../fieldErrors';
import { useI18n } from '../../i18n';
import { Problem } from '../../ui';
import type { CardMore, FieldDefinition } from './types';

/** A form's id: the graph has no catalogue of forms, so its name stands for it. */
const formIdOf = (name: string) => name.toLowerCase().replace(/[^a-z0-9]+/g, '-');

export function Forms(props: { client: CardMore; definitions: FieldDefinition[] }) {
  const { t, date } = useI18n();
  const { client } = props;
  const [assigned, assign] = useMutation(ConsoleAssignFormDocument);
  const [completed, complete] = useMutation(ConsoleCompleteFormDocument);
  const [removed, remove] = useMutation(ConsoleRemoveFormDocument);
  const fields = useFieldErrors(assigned.data?.assignForm?.userErrors, ['formId', 'name']);
  const other = [...(completed.data?.completeForm?.userErrors ?? []), ...(removed.data?.removeForm?.userErrors ?? [])];
  const catalogue = [...new Set(props.definitions.flatMap((d) => d.collectOn))];
  const open = catalogue.filter((name) => !client.forms.some((f) => f.name === name && !f.completedAt));

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const name = String(new FormData(event.currentTarget).get('name') ?? '');
    if (name) await assign({ clientId: client.id, formId: formIdOf(name), name });
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
      {other.length > 0 && (
        <ul role="alert" className="problem">
          {other.map((e) => (
            <li key={e.code}>{explain(t, e)}</li>
          ))}
        </ul>
      )}
      {open.length > 0 && (
        <form className="inline" onSubmit={(e) => void submit(e)}>
          <label>
            {t('cd.formToAssign')}
            <select name="name" {...fields.describe('name')}>
              {open.map((name) => (
                <option key={name} value={name}>
                  {name}
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
