// Automations (L7): points granted on a birthday, a referral's first purchase, or every N
// visits; each with how long its points last. Each listed one can be edited, paused and
// resumed, or deleted (AutomationRow); a new one is made here.
import { ConsoleCreateAutomationDocument, type AutomationTrigger, type ConsoleAutomationFragment } from '@studio/graph';
import { useState, type FormEvent } from 'react';
import { useMutation } from 'urql';

import { useFieldErrors } from '../../fieldErrors';
import { useI18n } from '../../i18n';
import { Problem, useIdempotencyKey } from '../../ui';
import { AUTOMATION_FIELDS, AutomationFields, readAutomation } from './AutomationFields';
import { AutomationRow } from './AutomationRow';

const TRIGGERS: AutomationTrigger[] = ['BIRTHDAY', 'REFERRAL_FIRST_PURCHASE', 'VISIT_COUNT'];

export function Automations(props: { automations: ConsoleAutomationFragment[]; onCreated: () => void }) {
  const { t } = useI18n();
  const [result, create] = useMutation(ConsoleCreateAutomationDocument);
  const fields = useFieldErrors(result.data?.createPointsAutomation?.userErrors, AUTOMATION_FIELDS);
  const [trigger, setTrigger] = useState<AutomationTrigger>('BIRTHDAY');
  // One key per automation being written: a second click creates nothing more.
  const [key, renewKey] = useIdempotencyKey();

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const formElement = event.currentTarget;
    const input = { trigger, ...readAutomation(new FormData(formElement), trigger === 'VISIT_COUNT') };
    const answer = await create({ input, idempotencyKey: key });
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
                <th scope="col">{t('lo.status')}</th>
                <th scope="col">{t('lo.actions')}</th>
              </tr>
            </thead>
            <tbody>
              {props.automations.map((a) => (
                <AutomationRow key={a.id} automation={a} />
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
          <AutomationFields countsVisits={trigger === 'VISIT_COUNT'} fields={fields} />
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
