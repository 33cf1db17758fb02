// Automations (L7): points granted on a birthday, a referral's first purchase, or every N
// visits; each with how long its points last.
import { ConsoleCreateAutomationDocument, type AutomationTrigger, type ConsoleAutomationFragment } from '@studio/graph';
import { useState, type FormEvent } from 'react';
import { useMutation } from 'urql';

import { useFieldErrors } from '../../fieldErrors';
import { useI18n } from '../../i18n';
import { Problem, useIdempotencyKey } from '../../ui';

const TRIGGERS: AutomationTrigger[] = ['BIRTHDAY', 'REFERRAL_FIRST_PURCHASE', 'VISIT_COUNT'];
const FIELDS = ['trigger', 'points', 'expiryDays', 'visitCount', 'active'];

export function Automations(props: { automations: ConsoleAutomationFragment[]; onCreated: () => void }) {
  const { t, number } = useI18n();
  const [result, create] = useMutation(ConsoleCreateAutomationDocument);
  const fields = useFieldErrors(result.data?.createPointsAutomation?.userErrors, FIELDS);
  const [trigger, setTrigger] = useState<AutomationTrigger>('BIRTHDAY');
  // One key per automation being written: a second click creates nothing more.
  const [key, renewKey] = useIdempotencyKey();

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const formElement = event.currentTarget;
    const form = new FormData(formElement);
    const answer = await create({
      input: {
        trigger,
        points: Number(form.get('points')),
        expiryDays: Number(form.get('expiryDays')),
        visitCount: trigger === 'VISIT_COUNT' ? Number(form.get('visitCount')) : null,
        active: form.get('active') === 'on',
      },
      idempotencyKey: key,
    });
    if (answer.data?.createPointsAutomation?.automation) {
      renewKey();
      formElement.reset();
      props.onCreated();
    }
  }

  return (
    <section className="panel" aria-labelledby="automations">
      <h2 id="automations">{t('lo.automations')}</h2>
      {props.automations.length === 0 ? (
        <p className="muted">{t('lo.noAutomations')}</p>
      ) : (
        <div className="table-wrap" tabIndex={0} role="region" aria-label={t('more.table', { name: t('lo.automations') })}>
          <table>
            <thead>
              <tr>
                <th scope="col">{t('lo.trigger')}</th>
                <th scope="col" className="num">
                  {t('card.amount')}
                </th>
                <th scope="col" className="num">
                  {t('loyalty.expiry')}
                </th>
                <th scope="col">{t('lo.active')}</th>
              </tr>
            </thead>
            <tbody>
              {props.automations.map((a) => (
                <tr key={a.id}>
                  <td>
                    {a.trigger === 'VISIT_COUNT'
                      ? t('lo.trigger.everyN', { n: a.visitCount ?? 0 })
                      : t(`lo.trigger.${a.trigger}`)}
                  </td>
                  <td className="num">{number(a.points)}</td>
                  <td className="num">{number(a.expiryDays)}</td>
                  <td>{a.active ? t('yes') : t('no')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <details>
        <summary>{t('lo.addAutomation')}</summary>
        <form className="inline" onSubmit={(e) => void submit(e)}>
          <label>
            {t('lo.trigger')}
            <select value={trigger} onChange={(e) => setTrigger(e.target.value as AutomationTrigger)} {...fields.describe('trigger')}>
              {TRIGGERS.map((value) => (
                <option key={value} value={value}>
                  {t(`lo.trigger.${value}`)}
                </option>
              ))}
            </select>
            {fields.message('trigger')}
          </label>
          {trigger === 'VISIT_COUNT' && (
            <label>
              {t('lo.visitCount')}
              <input name="visitCount" type="number" min={1} required inputMode="numeric" {...fields.describe('visitCount')} />
              {fields.message('visitCount')}
            </label>
          )}
          <label>
            {t('card.amount')}
            <input name="points" type="number" min={1} required inputMode="numeric" {...fields.describe('points')} />
            {fields.message('points')}
          </label>
          <label>
            {t('loyalty.expiry')}
            <input name="expiryDays" type="number" min={1} required inputMode="numeric" {...fields.describe('expiryDays')} />
            {fields.message('expiryDays')}
          </label>
          <label className="check">
            <input type="checkbox" name="active" defaultChecked />
            {t('lo.active')}
          </label>
          <button type="submit" disabled={result.fetching}>
            {t('rk.create')}
          </button>
          {result.error && <Problem error={result.error} />}
          {fields.rest()}
        </form>
      </details>
    </section>
  );
}
