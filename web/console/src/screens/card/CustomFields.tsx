// Custom fields (C5): the studio's own fields on the card, each with an input of its type;
// saving sends the values that changed (an empty one clears it).
import { ConsoleSetCustomFieldDocument } from '@studio/graph';
import { useState, type FormEvent } from 'react';
import { useMutation } from 'urql';

import { useFieldErrors } from '../../fieldErrors';
import { useI18n } from '../../i18n';
import { Problem, type UserErrors } from '../../ui';
import { CustomFieldInput } from './CustomFieldInput';
import type { CardMore, FieldDefinition } from './types';

export function CustomFields(props: { client: CardMore; definitions: FieldDefinition[] }) {
  const { t } = useI18n();
  const { client } = props;
  const values = new Map(client.customFields.map((v) => [v.field.id, v.value]));
  const shown = props.definitions.filter((d) => !d.archived || values.get(d.id) != null);
  const [result, setValue] = useMutation(ConsoleSetCustomFieldDocument);
  const [refusals, setRefusals] = useState<NonNullable<UserErrors>>([]);
  const fields = useFieldErrors(refusals, shown.map((d) => d.id));
  const [saved, setSaved] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setSaved(false);
    const form = new FormData(event.currentTarget);
    const found: { message: string; code: string; field: string[] }[] = [];
    for (const definition of shown) {
      const now = String(form.get(definition.id) ?? '').trim();
      if (now === (values.get(definition.id) ?? '')) continue;
      const answer = await setValue({ clientId: client.id, fieldId: definition.id, value: now || null });
      const errors = answer.data?.setCustomFieldValue?.userErrors ?? [];
      // Each refusal is about the field it was sent for, whatever path the graph gives.
      found.push(...errors.map((e) => ({ message: e.message, code: e.code, field: [definition.id] })));
    }
    setRefusals(found);
    if (!found.length) setSaved(true);
  }

  if (shown.length === 0) return null;
  return (
    <section className="panel" aria-labelledby="custom-fields-title">
      <h2 id="custom-fields-title">{t('cd.customFields')}</h2>
      <form className="stack" onSubmit={(e) => void submit(e)}>
        {shown.map((d) => (
          <CustomFieldInput key={d.id} definition={d} value={values.get(d.id) ?? ''} fields={fields} />
        ))}
        <div>
          <button type="submit" disabled={result.fetching}>
            {t('save')}
          </button>
        </div>
        {result.error && <Problem error={result.error} />}
        {saved && <p role="status">{t('rk.saved')}</p>}
      </form>
    </section>
  );
}
