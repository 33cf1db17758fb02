// One custom field (C5) as a labelled input of its type: a list for CHOICE and BOOLEAN, a
// number, date, e-mail or phone input, text otherwise. Shared by the card's custom fields and
// the new-card form; a required field says so next to its label.
import type { CustomFieldType } from '@studio/graph';

import type { useFieldErrors } from '../../fieldErrors';
import { useI18n } from '../../i18n';

const INPUT_TYPES: Partial<Record<CustomFieldType, string>> = {
  NUMBER: 'number',
  DATE: 'date',
  EMAIL: 'email',
  PHONE: 'tel',
  TEXT: 'text',
};

export type Definition = {
  id: string;
  label: string;
  type: CustomFieldType;
  choices?: readonly string[] | null;
  required: boolean;
  archived: boolean;
};

export function CustomFieldInput(props: {
  definition: Definition;
  /** The form's name of the input (the field's id unless the form says otherwise). */
  name?: string;
  value?: string;
  /** Whether the browser must refuse to send the form without a value. */
  enforce?: boolean;
  fields: ReturnType<typeof useFieldErrors>;
}) {
  const { t } = useI18n();
  const { definition: d, fields } = props;
  const common = {
    name: props.name ?? d.id,
    defaultValue: props.value ?? '',
    required: Boolean(props.enforce && d.required),
    ...fields.describe(d.id),
  };
  // One line of the (column) label: the words and their markers.
  const label = (
    <span>
      {d.label}
      {d.required && <span className="muted"> ({t('cd.required')})</span>}
      {d.archived && <span className="muted"> ({t('rk.archived')})</span>}
    </span>
  );
  if (d.type === 'CHOICE' || d.type === 'BOOLEAN') {
    const choices = d.type === 'BOOLEAN' ? ['true', 'false'] : (d.choices ?? []);
    return (
      <label>
        {label}
        <select {...common}>
          <option value="">—</option>
          {choices.map((c) => (
            <option key={c} value={c}>
              {d.type === 'BOOLEAN' ? (c === 'true' ? t('yes') : t('no')) : c}
            </option>
          ))}
        </select>
        {fields.message(d.id)}
      </label>
    );
  }
  return (
    <label>
      {label}
      <input type={INPUT_TYPES[d.type] ?? 'text'} {...common} />
      {fields.message(d.id)}
    </label>
  );
}
