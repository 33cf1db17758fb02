// Add a client (C1, C5): first and last name and the studio's custom fields in use, each with
// the input of its type; a required one is marked and the browser asks for it. The graph's
// refusals show by the field they name (`customFields` then the field's id for a custom one).
import { ConsoleAddClientDocument, ConsoleNewCardFieldsDocument } from '@studio/graph';
import { useState, type FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';

import { useFieldErrors } from '../../fieldErrors';
import { useI18n } from '../../i18n';
import { Link } from '../../router';
import { Problem } from '../../ui';
import { CustomFieldInput } from '../card/CustomFieldInput';

const NAMES = ['firstName', 'lastName'] as const;
/** The form's name of a custom field's input (apart from the card's own fields). */
const custom = (id: string) => `custom:${id}`;

/** `onAdded`: what the screen does once a card is made (the list reads it again). */
export function NewCard(props: { onAdded: () => void }) {
  const { t } = useI18n();
  const [{ data, error }] = useQuery({ query: ConsoleNewCardFieldsDocument, requestPolicy: 'cache-and-network' });
  // Archived fields take no new values: the graph does not list them, nor does the form.
  const definitions = (data?.customFieldDefinitions ?? []).filter((d) => !d.archived);
  const [result, add] = useMutation(ConsoleAddClientDocument);
  const fields = useFieldErrors(result.data?.createClient?.userErrors, [...NAMES, ...definitions.map((d) => d.id)]);
  const [added, setAdded] = useState<{ id: string; name: string } | null>(null);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setAdded(null);
    const formElement = event.currentTarget;
    const form = new FormData(formElement);
    const text = (name: string) => String(form.get(name) ?? '').trim();
    const customFields = definitions
      .map((d) => ({ fieldId: d.id, value: text(custom(d.id)) }))
      .filter((v) => v.value !== '');
    const answer = await add({
      input: { firstName: text('firstName'), lastName: text('lastName') },
      customFields,
    });
    const made = answer.data?.createClient?.client;
    if (made) {
      setAdded({ id: made.id, name: `${made.firstName} ${made.lastName}` });
      formElement.reset();
      props.onAdded();
    }
  }

  const marker = <span className="muted"> ({t('cd.required')})</span>;
  return (
    <details className="panel">
      <summary>{t('clients.add')}</summary>
      <form className="inline" onSubmit={(event) => void submit(event)}>
        {NAMES.map((name) => (
          <label key={name}>
            <span>
              {t(`clients.${name}`)}
              {marker}
            </span>
            <input name={name} required {...fields.describe(name)} />
            {fields.message(name)}
          </label>
        ))}
        {definitions.map((d) => (
          <CustomFieldInput key={d.id} definition={d} name={custom(d.id)} enforce fields={fields} />
        ))}
        <button type="submit" disabled={result.fetching}>
          {t('save')}
        </button>
      </form>
      {error && <Problem error={error} />}
      {result.error && <Problem error={result.error} />}
      {fields.rest()}
      {added && (
        <p role="status">
          {t('clients.added', { name: added.name })}{' '}
          <Link href={`/clients/${encodeURIComponent(added.id)}`}>{t('clients.openCard')}</Link>
        </p>
      )}
    </details>
  );
}
