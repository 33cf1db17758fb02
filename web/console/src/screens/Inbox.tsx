// The staff inbox (N3), live: the newest notifications, then each new one as the
// `staffInbox` subscription delivers it (no reload); older ones page by cursor ("Show
// older", one query per page so each stays in the cache); unread only; mark as read.
import {
  ConsoleInboxDocument,
  ConsoleInboxLiveDocument,
  ConsoleMarkReadDocument,
  type ConsoleNotificationFragment,
} from '@studio/graph';
import { useState } from 'react';
import { useMutation, useQuery, useSubscription } from 'urql';

import { useI18n } from '../i18n';
import { Link, navigate } from '../router';
import type { ScreenProps } from '../routes';
import { Loading, Problem } from '../ui';

const PAGE = 20;

export default function Inbox({ query }: ScreenProps) {
  const { t } = useI18n();
  const unreadOnly = query.get('unread') === '1';
  // The cursors after which each older page starts.
  const [afters, setAfters] = useState<string[]>([]);
  const [{ data, error, fetching }, refetch] = useQuery({
    query: ConsoleInboxDocument,
    variables: { first: PAGE, unreadOnly },
    requestPolicy: 'cache-and-network',
  });
  // What arrived since the list was read, newest first; REFETCH reads the list again.
  const [live] = useSubscription(
    { query: ConsoleInboxLiveDocument },
    (arrived: ConsoleNotificationFragment[] = [], update) => {
      if (update.staffInbox.kind === 'REFETCH') refetch({ requestPolicy: 'network-only' });
      const note = update.staffInbox.notification;
      return note && !arrived.some((n) => n.id === note.id) ? [note, ...arrived] : arrived;
    },
  );
  const page = data?.staffNotificationsConnection;
  const listed = page?.edges.map((e) => e.node) ?? [];
  const arrived = (live.data ?? []).filter((n) => !listed.some((l) => l.id === n.id) && !(unreadOnly && n.read));
  const notes = [...arrived, ...listed];
  const older = (cursor: string) => setAfters([...afters, cursor]);
  return (
    <section aria-labelledby="inbox-title">
      <h1 id="inbox-title">{t('inbox.title')}</h1>
      <p className="muted">{t('inbox.live')}</p>
      <label>
        <input
          type="checkbox"
          checked={unreadOnly}
          onChange={(event) => {
            setAfters([]);
            navigate(event.target.checked ? '/inbox?unread=1' : '/inbox', true);
          }}
        />{' '}
        {t('inx.unreadOnly')}
      </label>
      {error && <Problem error={error} />}
      {live.error && <Problem error={live.error} />}
      {!data && fetching && <Loading />}
      {data && notes.length === 0 && <p>{t('inbox.empty')}</p>}
      <ul className="inbox" aria-live="polite" aria-relevant="additions">
        {notes.map((note) => (
          <Note key={note.id} note={note} />
        ))}
      </ul>
      {afters.length === 0 && <Older pageInfo={page?.pageInfo} onOlder={older} />}
      {afters.map((after, index) => (
        <OlderPage key={after} after={after} unreadOnly={unreadOnly} last={index === afters.length - 1} onOlder={older} />
      ))}
    </section>
  );
}

type PageInfo = { hasNextPage: boolean; endCursor: string | null } | undefined;

function Older({ pageInfo, onOlder }: { pageInfo: PageInfo; onOlder: (cursor: string) => void }) {
  const { t } = useI18n();
  const cursor = pageInfo?.hasNextPage ? pageInfo.endCursor : null;
  if (!cursor) return null;
  return (
    <p>
      <button type="button" onClick={() => onOlder(cursor)}>
        {t('inx.showOlder')}
      </button>
    </p>
  );
}

function OlderPage(props: { after: string; unreadOnly: boolean; last: boolean; onOlder: (cursor: string) => void }) {
  const { t } = useI18n();
  const [{ data, error, fetching }] = useQuery({
    query: ConsoleInboxDocument,
    variables: { first: PAGE, after: props.after, unreadOnly: props.unreadOnly },
  });
  const page = data?.staffNotificationsConnection;
  return (
    <>
      {error && <Problem error={error} />}
      {!data && fetching && <Loading />}
      <ul className="inbox" aria-label={t('inx.older')}>
        {page?.edges.map(({ node }) => <Note key={node.id} note={node} />)}
      </ul>
      {props.last && <Older pageInfo={page?.pageInfo} onOlder={props.onOlder} />}
    </>
  );
}

function Note({ note }: { note: ConsoleNotificationFragment }) {
  const { t, dateTime } = useI18n();
  const [marking, markRead] = useMutation(ConsoleMarkReadDocument);
  // A live arrival is the subscription's copy, not the cache's: the answer says it is read.
  const read = note.read || marking.data?.markNotificationRead?.notification?.read === true;
  return (
    <li className={read ? 'read' : 'unread'}>
      <p>
        <span className="badge">{read ? t('inbox.read') : t('inbox.new')}</span> {note.message}
      </p>
      <p className="muted">
        {dateTime(note.at)}
        {note.client && (
          <>
            {' · '}
            <Link href={`/clients/${encodeURIComponent(note.client.id)}`}>
              {note.client.firstName} {note.client.lastName}
            </Link>
          </>
        )}
      </p>
      {!read && (
        <button type="button" className="quiet" disabled={marking.fetching} onClick={() => void markRead({ id: note.id })}>
          {t('inbox.markRead')}
        </button>
      )}
    </li>
  );
}
