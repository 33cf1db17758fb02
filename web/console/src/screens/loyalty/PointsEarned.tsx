// The points-earned report (L9): per client, between two days, at one branch or all; the
// total covers every row, the table pages by cursor.
import { ConsolePointsEarnedDocument } from '@studio/graph';
import { useState } from 'react';
import { useQuery } from 'urql';

import { useI18n } from '../../i18n';
import { Link } from '../../router';
import { CursorPages, Loading, Problem } from '../../ui';

const PAGE = 25;

const isoDay = (d: Date) =>
  `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;

export function PointsEarned(props: { branches: { id: string; name: string }[] }) {
  const { t, number } = useI18n();
  const today = new Date();
  const [from, setFrom] = useState(isoDay(new Date(today.getFullYear(), today.getMonth(), 1, 12)));
  const [to, setTo] = useState(isoDay(today));
  const [branchId, setBranchId] = useState('');
  const [pages, setPages] = useState<string[]>([]);
  // `to` is the last day shown, so the range ends at the start of the day after.
  const end = new Date(`${to}T00:00:00`);
  end.setDate(end.getDate() + 1);
  const valid = Boolean(from && to) && from <= to;
  const [{ data, error, fetching }] = useQuery({
    query: ConsolePointsEarnedDocument,
    variables: {
      from: valid ? new Date(`${from}T00:00:00`).toISOString() : '',
      to: valid ? end.toISOString() : '',
      branchId: branchId || null,
      first: PAGE,
      after: pages.at(-1) ?? null,
    },
    pause: !valid,
    requestPolicy: 'cache-and-network',
  });
  const report = data?.pointsEarnedReport;
  return (
    <section className="panel" aria-labelledby="points-earned">
      <h2 id="points-earned">{t('lo.report')}</h2>
      <div className="filters">
        <label>
          {t('lo.from')}
          <input type="date" value={from} onChange={(e) => (setFrom(e.target.value), setPages([]))} />
        </label>
        <label>
          {t('lo.to')}
          <input type="date" value={to} onChange={(e) => (setTo(e.target.value), setPages([]))} />
        </label>
        <label>
          {t('lo.branch')}
          <select value={branchId} onChange={(e) => (setBranchId(e.target.value), setPages([]))}>
            <option value="">{t('lo.allBranches')}</option>
            {props.branches.map((b) => (
              <option key={b.id} value={b.id}>
                {b.name}
              </option>
            ))}
          </select>
        </label>
      </div>
      {!valid && (
        <p role="alert" className="problem">
          {t('lo.badRange')}
        </p>
      )}
      {error && <Problem error={error} />}
      {!report && fetching && <Loading />}
      {report && (
        <>
          <p aria-live="polite">
            <strong>{t('lo.totalPoints', { points: number(report.totalPoints) })}</strong>
          </p>
          {report.edges.length === 0 ? (
            <p className="muted">{t('lo.nothingEarned')}</p>
          ) : (
            <div className="table-wrap" tabIndex={0} role="region" aria-label={t('more.table', { name: t('lo.report') })}>
              <table>
                <thead>
                  <tr>
                    <th scope="col">{t('ranks.client')}</th>
                    <th scope="col" className="num">
                      {t('card.amount')}
                    </th>
                    <th scope="col" className="num">
                      {t('lo.value')}
                    </th>
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
                      <td className="num">{number(node.points)}</td>
                      <td className="num">
                        {node.value.amount} {node.value.currency}
                      </td>
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
