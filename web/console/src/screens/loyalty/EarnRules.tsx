// Per-service rules (L2): a service earns a fixed number of points, or none; the others
// earn the programme's percentage. Change a rule, or add one for another service.
import { ConsoleSetEarnRuleDocument, type ConsoleEarnRuleFragment } from '@studio/graph';
import { useState, type FormEvent } from 'react';
import { useMutation } from 'urql';

import { useFieldErrors } from '../../fieldErrors';
import { useI18n } from '../../i18n';
import { Problem } from '../../ui';
import { IdOptions, nameOf, useServices } from '../pickers';

const FIELDS = ['serviceId', 'serviceName', 'excluded', 'fixedPoints'];

type Rule = Pick<ConsoleEarnRuleFragment, 'serviceId' | 'serviceName' | 'excluded' | 'fixedPoints'>;

export function EarnRules(props: { rules: ConsoleEarnRuleFragment[]; onAdded: () => void }) {
  const { t } = useI18n();
  return (
    <section className="panel" aria-labelledby="earn-rules">
      <h2 id="earn-rules">{t('lo.rules')}</h2>
      <p className="muted">{t('lo.rulesHelp')}</p>
      {props.rules.length === 0 && <p className="muted">{t('lo.noRules')}</p>}
      <ul className="plain">
        {props.rules.map((rule) => (
          <li key={rule.id}>
            <RuleForm rule={rule} onSaved={() => undefined} />
          </li>
        ))}
      </ul>
      <details>
        <summary>{t('lo.addRule')}</summary>
        <RuleForm rule={null} onSaved={props.onAdded} />
      </details>
    </section>
  );
}

function RuleForm(props: { rule: Rule | null; onSaved: () => void }) {
  const { t } = useI18n();
  const services = useServices();
  const { rule } = props;
  const [result, save] = useMutation(ConsoleSetEarnRuleDocument);
  const fields = useFieldErrors(result.data?.setServiceEarnRule?.userErrors, FIELDS);
  const [mode, setMode] = useState<'excluded' | 'fixed' | 'percent'>(
    rule?.excluded ? 'excluded' : rule?.fixedPoints != null ? 'fixed' : 'percent',
  );
  const [saved, setSaved] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setSaved(false);
    const form = new FormData(event.currentTarget);
    const answer = await save({
      serviceId: rule?.serviceId ?? String(form.get('serviceId') ?? '').trim(),
      serviceName: rule?.serviceName ?? String(form.get('serviceName') ?? '').trim(),
      excluded: mode === 'excluded',
      fixedPoints: mode === 'fixed' ? Number(form.get('fixedPoints')) : null,
    });
    if (answer.data?.setServiceEarnRule?.rule) {
      setSaved(true);
      props.onSaved();
    }
  }

  const name = rule?.serviceName ?? t('lo.newRule');
  return (
    <form className="inline" aria-label={name} onSubmit={(e) => void submit(e)}>
      {rule ? (
        <p className="full">
          <strong>{rule.serviceName}</strong> <span className="muted">({rule.serviceId})</span>
        </p>
      ) : (
        <>
          <label>
            {t('lo.serviceId')}
            <input
              name="serviceId"
              required
              list="earn-rule-services"
              onChange={(event) => {
                const name = nameOf(services, event.target.value);
                const named = event.target.form?.elements.namedItem('serviceName');
                if (name && named instanceof HTMLInputElement) named.value = name;
              }}
              {...fields.describe('serviceId')}
            />
            <IdOptions id="earn-rule-services" items={services} />
            {fields.message('serviceId')}
          </label>
          <label>
            {t('lo.serviceName')}
            <input name="serviceName" required {...fields.describe('serviceName')} />
            {fields.message('serviceName')}
          </label>
        </>
      )}
      <label>
        {t('lo.rule')}
        <select value={mode} onChange={(e) => setMode(e.target.value as typeof mode)} {...fields.describe('excluded')}>
          <option value="percent">{t('lo.rule.percent')}</option>
          <option value="fixed">{t('lo.rule.fixed')}</option>
          <option value="excluded">{t('lo.rule.excluded')}</option>
        </select>
        {fields.message('excluded')}
      </label>
      {mode === 'fixed' && (
        <label>
          {t('lo.fixedPoints')}
          <input
            name="fixedPoints"
            type="number"
            min={1}
            required
            inputMode="numeric"
            defaultValue={rule?.fixedPoints ?? ''}
            {...fields.describe('fixedPoints')}
          />
          {fields.message('fixedPoints')}
        </label>
      )}
      <button type="submit" disabled={result.fetching}>
        {t('save')}
      </button>
      {result.error && <Problem error={result.error} />}
      {fields.rest()}
      {saved && <p role="status">{t('rk.saved')}</p>}
    </form>
  );
}
