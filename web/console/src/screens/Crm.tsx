// The CRM summary (K1-K7) of a day: today's lists (booked, waiting list, cancelled,
// birthdays, unpaid) with their clients, and the day's totals.
import { ConsoleCrmDocument, ConsoleCrmLiveDocument, type ConsoleCountedFragment } from '@studio/graph';
import { useEffect } from 'react';
import { useQuery, useSubscription } from 'urql';

import { useI18n } from '../i18n';
import type { Key } from '../i18n/en';
import { Link, navigate } from '../router';
import type { ScreenProps } from '../routes';
import { Loading, Problem } from '../ui';
import { CrmMore } from './crm/CrmMore';

export default function Crm({ query }: ScreenProps) {
  const { t, date, dateTime, number } = useI18n();
  const day = query.get('date');
  const [{ data, error, fetching }, reexecute] = useQuery({
    query: ConsoleCrmDocument,
    variables: { date: day },
    requestPolicy: 'cache-and-network',
  });
  const summary = data?.crmSummary;
  const live = useLiveToday(day === null, () => reexecute({ requestPolicy: 'network-only' }));
  const lists: [Key, ConsoleCountedFragment][] = summary
    ? [
        ['crm.booked', summary.bookedToday],
        ['crm.waitlist', summary.onWaitlist],
        ['crm.cancelled', summary.cancelled],
        ['crm.birthdays', summary.birthdays],
        ['crm.unpaid', summary.withUnpaidSale],
      ]
    : [];
  const totals: [Key, number][] = summary
    ? [
        ['crm.fromApp', summary.bookedFromApp],
        ['crm.converted', summary.waitlistConverted],
        ['crm.rebooked', summary.rebookedWithin7Days],
        ['crm.activeFee', summary.withActiveFee],
        ['crm.withBalance', summary.withBalance],
        ['crm.withApp', summary.withApp],
        ['crm.activeInApp', summary.activeInApp],
      ]
    : [];
  return (
    <section aria-labelledby="crm-title">
      <div className="heading">
        <h1 id="crm-title">
          {t('crm.title')}
          {summary && <span className="muted"> · {date(summary.date)}</span>}
        </h1>
        <label>
          {t('crm.day')}
          <input
            type="date"
            value={day ?? summary?.date ?? ''}
            onChange={(event) => navigate(`/crm?date=${event.target.value}`, true)}
          />
        </label>
      </div>
      {day === null && (
        <p className="muted" role="status" data-live={live.listening ? 'listening' : 'waiting'}>
          {!live.listening
            ? t('core.connecting')
            : live.lastFactAt
              ? t('crm.liveAsOf', { at: dateTime(live.lastFactAt) })
              : t('crm.live')}
        </p>
      )}
      {error && <Problem error={error} />}
      {!summary && fetching && <Loading />}
      {summary && (
        <>
          <h2>{t('crm.lists')}</h2>
          <div className="grid">
            {lists.map(([label, counted]) => (
              <section key={label} className="panel" aria-label={t(label)}>
                <h3>
                  {t(label)} <span className="count">{number(counted.count)}</span>
                </h3>
                {counted.clientsConnection.edges.length === 0 ? (
                  <p className="muted">{t('crm.nobody')}</p>
                ) : (
                  <ul>
                    {counted.clientsConnection.edges.map(({ node }) => (
                      <li key={node.id}>
                        <Link href={`/clients/${encodeURIComponent(node.id)}`}>
                          {node.firstName} {node.lastName}
                        </Link>
                      </li>
                    ))}
                  </ul>
                )}
              </section>
            ))}
          </div>
          <h2>{t('crm.totals')}</h2>
          <dl className="totals">
            {totals.map(([label, value]) => (
              <div key={label}>
                <dt>{t(label)}</dt>
                <dd>{number(value)}</dd>
              </div>
            ))}
          </dl>
          <CrmMore date={summary.date} />
        </>
      )}
    </section>
  );
}

type LiveToday = { listening: boolean; changes: number; lastFactAt: string | null };

const QUIET: LiveToday = { listening: false, changes: 0, lastFactAt: null };

/** Today's counters as facts arrive (`crmToday`, K2): each change reads the summary again. */
function useLiveToday(today: boolean, reread: () => void): LiveToday {
  const [live] = useSubscription(
    { query: ConsoleCrmLiveDocument, pause: !today },
    (seen: LiveToday = QUIET, update): LiveToday => {
      const { kind, lastFactAppliedAt } = update.crmToday;
      if (kind === 'STARTED') return { ...seen, listening: true };
      return {
        listening: true,
        changes: seen.changes + 1,
        lastFactAt: lastFactAppliedAt ?? seen.lastFactAt,
      };
    },
  );
  const state = live.data ?? QUIET;
  useEffect(() => {
    if (state.changes > 0) reread();
  }, [state.changes]);
  return state;
}
