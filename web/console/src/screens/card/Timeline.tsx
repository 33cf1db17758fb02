// The timeline (C9): everything that happened to the client, newest first, a page at a time;
// `version` moves when a new line is announced live, and the first page is read again.
import { ConsoleTimelineDocument } from '@studio/graph';
import { useEffect, useState } from 'react';
import { useQuery } from 'urql';

import { useI18n } from '../../i18n';
import { en, type Key } from '../../i18n/en';
import { Loading, Problem } from '../../ui';

const PAGE = 20;

export function Timeline({ clientId, version }: { clientId: string; version: number }) {
  const { t } = useI18n();
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  return (
    <section className="panel" aria-labelledby="timeline-title">
      <h2 id="timeline-title">{t('cd.timeline')}</h2>
      <ol className="timeline">
        {cursors.map((after, i) => (
          <Page
            key={after ?? 'first'}
            clientId={clientId}
            after={after}
            version={after ? 0 : version}
            onMore={i === cursors.length - 1 ? (next) => setCursors([...cursors, next]) : null}
          />
        ))}
      </ol>
    </section>
  );
}

function Page(props: {
  clientId: string;
  after: string | null;
  version: number;
  onMore: ((cursor: string) => void) | null;
}) {
  const { t, dateTime } = useI18n();
  const [{ data, error, fetching }, reread] = useQuery({
    query: ConsoleTimelineDocument,
    variables: { id: props.clientId, first: PAGE, after: props.after },
    requestPolicy: 'cache-and-network',
  });
  useEffect(() => {
    if (props.version > 0) reread({ requestPolicy: 'network-only' });
  }, [props.version, reread]);
  const timeline = data?.client?.timeline;
  if (error) return <li><Problem error={error} /></li>;
  if (!timeline) return fetching ? <li><Loading /></li> : null;
  if (!props.after && timeline.edges.length === 0) return <li className="muted">{t('cd.noTimeline')}</li>;
  const more = timeline.pageInfo.hasNextPage && timeline.pageInfo.endCursor;
  return (
    <>
      {timeline.edges.map(({ node }) => {
        const kind = `cd.kind.${node.kind}`;
        return (
          <li key={node.id}>
            <p>
              <time dateTime={node.at}>{dateTime(node.at)}</time> ·{' '}
              <strong>{kind in en ? t(kind as Key) : node.kind}</strong>{' '}
              <span className="muted">({t(`cd.source.${node.source}`)})</span>
            </p>
            <p>{node.summary}</p>
          </li>
        );
      })}
      {props.onMore && more && (
        <li className="more">
          <button type="button" className="quiet" onClick={() => props.onMore?.(more)}>
            {t('cd.moreTimeline')}
          </button>
        </li>
      )}
    </>
  );
}
