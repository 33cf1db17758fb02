// The client card (C2, R7, R8, L3, L5, L6): main data and notes, weight, ranks and their
// history with promote, demote and stripes (safe to double-click: one idempotency key per
// intent), points with what expires when, manual grant and redeem, paying an invoice. The
// card listens to its own changes (`clientCard`): what another desk or a partner changes
// while it is open arrives without a reload, through the normalized cache.
import { ConsoleCardDocument, type ConsoleCardQuery } from '@studio/graph';
import { useCallback } from 'react';
import { useQuery } from 'urql';

import { useI18n } from '../i18n';
import { Link } from '../router';
import type { ScreenProps } from '../routes';
import { Loading, Problem } from '../ui';
import { PointsPanel } from './card/PointsPanel';
import { RankPanel } from './card/RankPanel';
import { useLiveCard, type LiveCard } from './card/useLiveCard';
import { Weight } from './card/Weight';
import { MoreSections } from './card/MoreSections';

type Card = NonNullable<ConsoleCardQuery['client']>;

export default function ClientCard({ params }: ScreenProps) {
  const { t } = useI18n();
  const id = params.id ?? '';
  const [{ data, error, fetching }, reexecute] = useQuery({ query: ConsoleCardDocument, variables: { id } });
  const reread = useCallback(() => reexecute({ requestPolicy: 'network-only' }), [reexecute]);
  const live = useLiveCard(id, reread);
  const client = data?.client;
  return (
    <section aria-labelledby="card-title">
      <p>
        <Link href="/clients">← {t('card.back')}</Link>
      </p>
      {error && <Problem error={error} />}
      {!client && fetching && <Loading />}
      {client && (
        <>
          <h1 id="card-title">
            {client.firstName} {client.middleName} {client.lastName}
          </h1>
          <LiveNote live={live} />
          <div className="grid">
            <MainData client={client} />
            <RankPanel client={client} />
            <PointsPanel client={client} ledgerVersion={live.pointsMoves} />
            <Weight client={client} />
          </div>
          <MoreSections clientId={client.id} timelineVersion={live.timelineLines} />
        </>
      )}
    </section>
  );
}

/** Whether the card is live, and the last change that arrived while it was open. */
function LiveNote({ live }: { live: LiveCard }) {
  const { t, number, dateTime } = useI18n();
  const last = live.last;
  return (
    <p className="muted" role="status" data-live={live.listening ? 'listening' : 'waiting'}>
      {live.listening ? t('core.live') : t('core.connecting')}
      {last && (
        <>
          {' · '}
          {last.area === 'RANKS' && last.rankName
            ? t('core.liveRank', { rank: last.rankName, at: dateTime(last.at) })
            : last.area === 'POINTS' && last.pointsBalance != null
              ? t('core.livePoints', { points: number(last.pointsBalance), at: dateTime(last.at) })
              : t('core.liveCard', { at: dateTime(last.at) })}
        </>
      )}
    </p>
  );
}

function MainData({ client }: { client: Card }) {
  const { t, date } = useI18n();
  return (
    <section className="panel" aria-labelledby="main-data">
      <h2 id="main-data">{t('card.main')}</h2>
      <dl>
        <dt>{t('card.status')}</dt>
        <dd>{t(`status.${client.status}`)}</dd>
        <dt>{t('card.email')}</dt>
        <dd>{client.email ?? '—'}</dd>
        <dt>{t('card.phone')}</dt>
        <dd>{client.phone ?? '—'}</dd>
        <dt>{t('card.birthDate')}</dt>
        <dd>{client.birthDate ? date(client.birthDate) : '—'}</dd>
        <dt>{t('card.language')}</dt>
        <dd>{client.language ?? '—'}</dd>
        <dt>{t('card.since')}</dt>
        <dd>{date(client.createdAt)}</dd>
        {client.onlineBookingBlocked && (
          <>
            <dt>{t('card.bookingBlocked')}</dt>
            <dd>{t('yes')}</dd>
          </>
        )}
      </dl>
      {client.notes.length > 0 && (
        <>
          <h3>{t('card.notes')}</h3>
          <ul>
            {client.notes.map((note) => (
              <li key={note.id}>
                {note.text} <span className="muted">({date(note.at)})</span>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

