// The staff inbox (N3), live: the newest notifications, then each new one as the
// `staffInbox` subscription delivers it (no reload); mark as read.
import {
  ConsoleInboxDocument,
  ConsoleInboxLiveDocument,
  ConsoleMarkReadDocument,
  type ConsoleNotificationFragment,
} from '@studio/graph';
import { useMutation, useQuery, useSubscription } from 'urql';

import { useI18n } from '../i18n';
import { Link } from '../router';
import { Loading, Problem } from '../ui';

export default function Inbox() {
  const { t, dateTime } = useI18n();
  const [{ data, error, fetching }, refetch] = useQuery({
    query: ConsoleInboxDocument,
    variables: { first: 50 },
    requestPolicy: 'cache-and-network',
  });
  // What arrived since the list was read, newest first; REFETCH asks for the list again.
  const [live] = useSubscription(
    { query: ConsoleInboxLiveDocument },
    (arrived: ConsoleNotificationFragment[] = [], update) => {
      if (update.staffInbox.kind === 'REFETCH') refetch({ requestPolicy: 'network-only' });
      const note = update.staffInbox.notification;
      return note && !arrived.some((n) => n.id === note.id) ? [note, ...arrived] : arrived;
    },
  );
  const [, markRead] = useMutation(ConsoleMarkReadDocument);
  const listed = data?.staffNotificationsConnection?.edges.map((e) => e.node) ?? [];
  const arrived = (live.data ?? []).filter((n) => !listed.some((l) => l.id === n.id));
  const notes = [...arrived, ...listed];
  return (
    <section aria-labelledby="inbox-title">
      <h1 id="inbox-title">{t('inbox.title')}</h1>
      <p className="muted">{t('inbox.live')}</p>
      {error && <Problem error={error} />}
      {live.error && <Problem error={live.error} />}
      {!data && fetching && <Loading />}
      {data && notes.length === 0 && <p>{t('inbox.empty')}</p>}
      <ul className="inbox" aria-live="polite" aria-relevant="additions">
        {notes.map((note) => (
          <li key={note.id} className={note.read ? 'read' : 'unread'}>
            <p>
              <span className="badge">{note.read ? t('inbox.read') : t('inbox.new')}</span> {note.message}
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
            {!note.read && (
              <button type="button" className="quiet" onClick={() => void markRead({ id: note.id })}>
                {t('inbox.markRead')}
              </button>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}
