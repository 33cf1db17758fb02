// Loyalty (L1): the points programme's settings as the studio has them (read only for now).
import { ConsoleLoyaltyDocument } from '@studio/graph';
import { useQuery } from 'urql';

import { useI18n } from '../i18n';
import { Loading, Problem } from '../ui';

export default function Loyalty() {
  const { t, number } = useI18n();
  const [{ data, error, fetching }] = useQuery({ query: ConsoleLoyaltyDocument });
  const program = data?.loyaltyProgram;
  return (
    <section aria-labelledby="loyalty-title">
      <h1 id="loyalty-title">{t('loyalty.title')}</h1>
      {error && <Problem error={error} />}
      {!data && fetching && <Loading />}
      {program && (
        <dl className="panel">
          <dt>{t('loyalty.enabled')}</dt>
          <dd>{program.enabled ? t('yes') : t('no')}</dd>
          <dt>{t('loyalty.earn')}</dt>
          <dd>{program.earnPercent}</dd>
          <dt>{t('loyalty.value')}</dt>
          <dd>
            {program.pointValue.amount} {program.pointValue.currency}
          </dd>
          <dt>{t('loyalty.expiry')}</dt>
          <dd>{number(program.expiryDays)}</dd>
          <dt>{t('loyalty.reminder')}</dt>
          <dd>{number(program.expiryReminderDays)}</dd>
        </dl>
      )}
    </section>
  );
}
