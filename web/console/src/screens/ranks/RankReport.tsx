// The report of a category (R9): who holds which rank, who is ready for the next one, who was
// promoted automatically since a day; by cursor pages.
import { ConsoleRankHoldersDocument, type ConsoleRankCategoryFragment } from '@studio/graph';
import { useId, useState } from 'react';
import { useQuery } from 'urql';

import { useI18n } from '../../i18n';
import { Link } from '../../router';
import { CursorPages, Loading, Problem } from '../../ui';

const PAGE = 25;

export function RankReport({ category }: { category: ConsoleRankCategoryFragment }) {
  const { t, term, date, number } = useI18n();
  const id = useId();
  const [rankId, setRankId] = useState('');
  const [eligibleOnly, setEligibleOnly] = useState(false);
  const [since, setSince] = useState('');
  const [pages, setPages] = useState<string[]>([]);
  const after = pages.at(-1) ?? null;
  const [{ data, error, fetching }] = useQuery({
    query: ConsoleRankHoldersDocument,
    variables: {
      categoryId: category.id,
      rankId: rankId || null,
      eligibleOnly: eligibleOnly || null,
      autoPromotedSince: since ? new Date(`${since}T00:00:00`).toISOString() : null,
      first: PAGE,
      after,
    },
    requestPolicy: 'cache-and-network',
  });
  const report = data?.rankReport;
  const reset = () => setPages([]);
  return (
    <section aria-labelledby={`${id}-title`}>
      <h4 id={`${id}-title`}>{t('rk.report', { name: category.name })}</h4>
      <div className="filters">
        <label>
          {term('singular')}
          <select
            value={rankId}
            onChange={(e) => {
              setRankId(e.target.value);
              reset();
            }}
          >
            <option value="">{t('rk.anyRank')}</option>
            {category.ranks.map((rank) => (
              <option key={rank.id} value={rank.id}>
                {rank.name}
              </option>
            ))}
          </select>
        </label>
        <label className="check">
          <input
            type="checkbox"
            checked={eligibleOnly}
            onChange={(e) => {
              setEligibleOnly(e.target.checked);
              reset();
            }}
          />
          {t('ranks.eligibleOnly')}
        </label>
        <label>
          {t('rk.promotedSince')}
          <input
            type="date"
            value={since}
            onChange={(e) => {
              setSince(e.target.value);
              reset();
            }}
          />
        </label>
      </div>
      {error && <Problem error={error} />}
      {!report && fetching && <Loading />}
      {report && (
        <>
          <p aria-live="polite">{t('rk.holders', { count: number(report.totalCount) })}</p>
          {report.edges.length > 0 && (
            <div className="table-wrap" tabIndex={0} role="region" aria-label={t('more.table', { name: t('rk.report', { name: category.name }) })}>
              <table>
                <caption className="visually-hidden">{t('rk.report', { name: category.name })}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t('ranks.client')}</th>
                    <th scope="col">{term('singular')}</th>
                    <th scope="col">{t('rk.since')}</th>
                    <th scope="col" className="num">
                      {t('ranks.visits')}
                    </th>
                    <th scope="col">{t('card.eligible')}</th>
                    <th scope="col">{t('rk.autoPromotedAt')}</th>
                  </tr>
                </thead>
                <tbody>
                  {report.edges.map(({ node }) => (
                    <tr key={node.client.id}>
                      <td>
                        <Link href={`/clients/${encodeURIComponent(node.client.id)}`}>
                          {node.client.firstName} {node.client.lastName}
                        </Link>
                      </td>
                      <td>
                        {node.rank.name}
                        {node.stripes > 0 && <span className="muted"> +{node.stripes}</span>}
                      </td>
                      <td>{date(node.since)}</td>
                      <td className="num">{number(node.visitsInRank)}</td>
                      <td>{node.eligibleForPromotion ? t('yes') : node.eligibleForStripe ? t('rk.stripeReady') : t('no')}</td>
                      <td>{node.autoPromotedAt ? date(node.autoPromotedAt) : '—'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          <CursorPages pages={pages} setPages={setPages} pageInfo={report.pageInfo} />
        </>
      )}
    </section>
  );
}
