// The fields of an automation (L7), the same when creating one and when editing it: the
// visit count (VISIT_COUNT only), the points, how many days they last, and whether it is
// in force. Each refusal shows by the field it names.
import type { ConsoleAutomationFragment } from '@studio/graph';

import type { useFieldErrors } from '../../fieldErrors';
import { useI18n } from '../../i18n';

type FieldErrors = ReturnType<typeof useFieldErrors>;
type Values = Pick<ConsoleAutomationFragment, 'points' | 'expiryDays' | 'visitCount' | 'active'>;

export const AUTOMATION_FIELDS = ['trigger', 'points', 'expiryDays', 'visitCount', 'active'];

export function AutomationFields(props: { countsVisits: boolean; fields: FieldErrors; values?: Values }) {
  const { t } = useI18n();
  const { fields, values } = props;
  const number = (name: 'visitCount' | 'points' | 'expiryDays', label: string, value: number | null | undefined) => (
    <label>
      {label}
      <input
        name={name}
        type="number"
        min={1}
        required
        inputMode="numeric"
        defaultValue={value ?? undefined}
        {...fields.describe(name)}
      />
      {fields.message(name)}
    </label>
  );
  return (
    <>
      {props.countsVisits && number('visitCount', t('lo.visitCount'), values?.visitCount)}
      {number('points', t('card.amount'), values?.points)}
      {number('expiryDays', t('loyalty.expiry'), values?.expiryDays)}
      <label className="check">
        <input type="checkbox" name="active" defaultChecked={values?.active ?? true} {...fields.describe('active')} />
        {t('lo.active')}
      </label>
      {fields.message('active')}
    </>
  );
}

/** What the form holds, as the graph takes it (the visit count only when it counts visits). */
export function readAutomation(form: FormData, countsVisits: boolean): Values {
  return {
    points: Number(form.get('points')),
    expiryDays: Number(form.get('expiryDays')),
    visitCount: countsVisits ? Number(form.get('visitCount')) : null,
    active: form.get('active') === 'on',
  };
}
