// Ranks (R1, R9): the studio's words, its categories with their ranks in order, and the
// report of who holds which rank (only those ready for the next one, if asked).
import { ConsoleRankReportDocument, ConsoleRanksDocument } from '@studio/graph';
import { useState } from 'react';
import { useQuery } from 'urql';

import { useI18n } from '../i18n';
import { Link } from '../router';
import { Loading, Problem, TableWrap } from '../ui';

export default function Ranks() {
  const { t, term } = useI18n();
  const [{ data, error, fetching }] = useQuery({ query: ConsoleRanksDocument });
  const program = data?.rankProgram;
  const categories = data?.rankCategories ?? [];
  return (
    <section aria-labelledby="ranks-title">
      <h1 id="ranks-title">{t('ranks.title', { tracking: term('tracking') })}</h1>
      {error && <Problem error={error} />}
      {!data && fetching && <Loading />}
      {program && !program.enabled && <p>{t('ranks.off', { plural: term('plural') })}</p>}
      {categories.map((category) => (
        <section key={category.id} className="panel" aria-labelledby={`category-${category.id}`}>
          <h2 id={`category-${category.id}`}>{category.name}</h2>
          <ol className="ranks">
            {category.ranks.map((rank) => (
              <li key={rank.id}>{rank.name}</li>
            ))}
          </ol>
          {category.autoPromote && <p className="muted">{t('ranks.autoPromote')}</p>}
          <Report categoryId={category.id} />
        </section>
      ))}
    </section>
  );
}

function Report(props: { categoryId: string }) {
  const { t, term } = useI18n();
  const [eligibleOnly, setEligibleOnly] = useState(false);
  const [{ data, error }] = useQuery({
    query: ConsoleRankReportDocument,
    variables: { categoryId: props.categoryId, eligibleOnly: eligibleOnly || null, first: 50 },
    requestPolicy: 'cache-and-network',
  });
  const report = data?.rankReport;
  return (
    <>
      <label className="check">
        <input type="checkbox" checked={eligibleOnly} onChange={(e) => setEligibleOnly(e.target.checked)} />
        {t('ranks.eligibleOnly')}
      </label>
      {error && <Problem error={error} />}
      {report && (
        <TableWrap label={term('tracking')}>
          <table>
            <thead>
              <tr>
                <th scope="col">{t('ranks.client')}</th>
                <th scope="col">{term('singular')}</th>
                <th scope="col" className="num">
                  {t('ranks.visits')}
                </th>
                <th scope="col">{t('card.eligible')}</th>
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
                  <td>{node.rank.name}</td>
                  <td className="num">{node.visitsInRank}</td>
                  <td>{node.eligibleForPromotion ? t('yes') : t('no')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
    </>
  );
}
