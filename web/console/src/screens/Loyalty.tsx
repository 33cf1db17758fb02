// Loyalty (seed 002; L1, L2, L7, L9, B4): the programme's settings, the per-service rules,
// the automations, the points a promotion grants, and the points-earned report.
import {
  ConsoleConfigureLoyaltyDocument,
  ConsoleLoyaltySettingsDocument,
  type ConsoleLoyaltyProgramFragment,
  type PaymentMethod,
} from '@studio/graph';
import '../more.css';
import { useState, type FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';

import { useFieldErrors } from '../fieldErrors';
import { useI18n } from '../i18n';
import { Loading, Problem } from '../ui';
import { Automations } from './loyalty/Automations';
import { EarnRules } from './loyalty/EarnRules';
import { PointsEarned } from './loyalty/PointsEarned';
import { PromotionRewards } from './loyalty/PromotionRewards';

const METHODS: PaymentMethod[] = ['CASH', 'CARD', 'TRANSFER', 'POINTS', 'GIFT_CARD', 'OTHER'];
const FIELDS = ['enabled', 'earnPercent', 'pointValue', 'expiryDays', 'expiryReminderDays', 'nonEarningPaymentMethods', 'receiptBranchIds'];

type Branch = { id: string; name: string };

export default function Loyalty() {
  const { t } = useI18n();
  const [{ data, error, fetching }, refetch] = useQuery({ query: ConsoleLoyaltySettingsDocument });
  const program = data?.loyaltyProgram;
  const branches = data?.studio?.branches ?? [];
  const again = () => refetch({ requestPolicy: 'network-only' });
  return (
    <section aria-labelledby="loyalty-title">
      <h1 id="loyalty-title">{t('loyalty.title')}</h1>
      {error && <Problem error={error} />}
      {!data && fetching && <Loading />}
      {program && <Settings program={program} branches={branches} />}
      {data && (
        <>
          <EarnRules rules={data.serviceEarnRules ?? []} onAdded={again} />
          <Automations automations={data.pointsAutomations ?? []} onCreated={again} />
          {program && <PromotionRewards program={program} categories={data.rankCategories ?? []} />}
          <PointsEarned branches={branches} />
        </>
      )}
    </section>
  );
}

function Settings(props: { program: ConsoleLoyaltyProgramFragment; branches: Branch[] }) {
  const { t } = useI18n();
  const { program, branches } = props;
  const [result, configure] = useMutation(ConsoleConfigureLoyaltyDocument);
  const fields = useFieldErrors(result.data?.configureLoyaltyProgram?.userErrors, FIELDS);
  const [saved, setSaved] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setSaved(false);
    const form = new FormData(event.currentTarget);
    const answer = await configure({
      input: {
        enabled: form.get('enabled') === 'on',
        earnPercent: String(form.get('earnPercent') ?? '').trim(),
        pointValue: String(form.get('pointValue') ?? '').trim(),
        expiryDays: Number(form.get('expiryDays')),
        expiryReminderDays: Number(form.get('expiryReminderDays')),
        nonEarningPaymentMethods: METHODS.filter((m) => form.get(`method-${m}`) === 'on'),
        receiptBranchIds: branches.filter((b) => form.get(`branch-${b.id}`) === 'on').map((b) => b.id),
      },
    });
    if (answer.data?.configureLoyaltyProgram?.program) setSaved(true);
  }

  const number = (name: 'earnPercent' | 'pointValue' | 'expiryDays' | 'expiryReminderDays', label: string, value: string, decimal: boolean) => (
    <label>
      {label}
      <input
        name={name}
        required
        inputMode={decimal ? 'decimal' : 'numeric'}
        pattern={decimal ? '[0-9]+([.][0-9]+)?' : '[0-9]+'}
        defaultValue={value}
        {...fields.describe(name)}
      />
      {fields.message(name)}
    </label>
  );

  return (
    <form className="panel inline" aria-labelledby="loyalty-settings" onSubmit={(e) => void submit(e)}>
      <h2 id="loyalty-settings" className="full">
        {t('lo.settings')}
      </h2>
      <label className="check full">
        <input type="checkbox" name="enabled" defaultChecked={program.enabled} {...fields.describe('enabled')} />
        {t('loyalty.enabled')}
      </label>
      {fields.message('enabled')}
      {number('earnPercent', t('loyalty.earn'), program.earnPercent, true)}
      {number('pointValue', t('lo.pointValue', { currency: program.pointValue.currency }), program.pointValue.amount, true)}
      {number('expiryDays', t('loyalty.expiry'), String(program.expiryDays), false)}
      {number('expiryReminderDays', t('loyalty.reminder'), String(program.expiryReminderDays), false)}
      <fieldset className="full" {...fields.describe('nonEarningPaymentMethods')}>
        <legend>{t('lo.nonEarning')}</legend>
        {METHODS.map((method) => (
          <label key={method} className="check">
            <input type="checkbox" name={`method-${method}`} defaultChecked={program.nonEarningPaymentMethods.includes(method)} />
            {t(`lo.method.${method}`)}
          </label>
        ))}
        {fields.message('nonEarningPaymentMethods')}
      </fieldset>
      {branches.length > 0 && (
        <fieldset className="full" {...fields.describe('receiptBranchIds')}>
          <legend>{t('lo.receiptBranches')}</legend>
          {branches.map((branch) => (
            <label key={branch.id} className="check">
              <input type="checkbox" name={`branch-${branch.id}`} defaultChecked={program.receiptBranchIds.includes(branch.id)} />
              {branch.name}
            </label>
          ))}
          {fields.message('receiptBranchIds')}
        </fieldset>
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
