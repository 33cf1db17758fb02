// Clients (C1, C10): search by name, e-mail or phone with filters (status, branch, birthday
// today, rank, points range; all in the address, so a search can be shared), pages by
// cursor, links to each card, to the CSV import and the form to add a client (clients/NewCard).
import { ConsoleClientsDocument, type ClientStatus } from '@studio/graph';
import { useState, type FormEvent } from 'react';
import { useQuery } from 'urql';

import { useI18n } from '../i18n';
import { Link, navigate } from '../router';
import type { ScreenProps } from '../routes';
import { Loading, Problem, TableWrap } from '../ui';
import { filterFrom, MoreFilters, MORE_FILTERS, useStudioToday } from './clients/filters';
import { NewCard } from './clients/NewCard';

const STATUSES: ClientStatus[] = ['LEAD', 'ACTIVE', 'INACTIVE', 'ARCHIVED'];
const PAGE = 10;

export default function Clients({ query }: ScreenProps) {
  const { t, number } = useI18n();
  const search = query.get('q') ?? '';
  const status = query.get('status') as ClientStatus | null;
  // The cursors of the pages before this one, to go back; the last is this page's.
  const [cursors, setCursors] = useState<string[]>([]);
  const after = cursors.at(-1) ?? null;
  const today = useStudioToday();
  const filter = {
    search: search || null,
    status: status && STATUSES.includes(status) ? [status] : null,
    ...filterFrom(query, today),
  };
  const [{ data, fetching, error }, refetch] = useQuery({
    query: ConsoleClientsDocument,
    variables: { filter, first: PAGE, after },
    requestPolicy: 'cache-and-network',
    // "Birthday today" waits for the studio's time zone, which says what today is.
    pause: query.get('birthday') === 'today' && !today,
  });

  function applyFilters(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const params = new URLSearchParams();
    const q = String(form.get('q') ?? '').trim();
    const s = String(form.get('status') ?? '');
    if (q) params.set('q', q);
    if (s) params.set('status', s);
    for (const name of MORE_FILTERS) {
      const value = String(form.get(name) ?? '').trim();
      if (value) params.set(name, value);
    }
    setCursors([]);
    navigate(`/clients${params.size ? `?${params}` : ''}`, true);
  }

  const page = data?.clients;
  return (
    <section aria-labelledby="clients-title">
      <div className="heading">
        <h1 id="clients-title">{t('clients.title')}</h1>
        <Link className="button" href="/clients/import">
          {t('clients.import')}
        </Link>
      </div>
      <form className="filters" role="search" onSubmit={applyFilters}>
        <label>
          {t('clients.search')}
          <input name="q" type="search" defaultValue={search} />
        </label>
        <label>
          {t('clients.status')}
          <select name="status" defaultValue={status ?? ''}>
            <option value="">{t('clients.anyStatus')}</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {t(`status.${s}`)}
              </option>
            ))}
          </select>
        </label>
        <MoreFilters query={query} />
        <button type="submit">{t('clients.find')}</button>
      </form>
      {error && <Problem error={error} />}
      {!page && fetching && <Loading />}
      {page && (
        <>
          <p className="muted" aria-live="polite">
            {t('clients.total', { count: number(page.totalCount) })}
          </p>
          {page.edges.length === 0 ? (
            <p>{t('clients.none')}</p>
          ) : (
            <TableWrap label={t('clients.title')}>
              <table>
                <thead>
                  <tr>
                    <th scope="col">{t('clients.name')}</th>
                    <th scope="col">{t('clients.status')}</th>
                    <th scope="col">{t('clients.email')}</th>
                    <th scope="col">{t('clients.phone')}</th>
                    <th scope="col" className="num">
                      {t('clients.points')}
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {page.edges.map(({ node }) => (
                    <tr key={node.id}>
                      <td>
                        <Link href={`/clients/${encodeURIComponent(node.id)}`}>
                          {node.firstName} {node.lastName}
                        </Link>
                      </td>
                      <td>{t(`status.${node.status}`)}</td>
                      <td>{node.email}</td>
                      <td>{node.phone}</td>
                      <td className="num">{number(node.loyalty?.balance ?? 0)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableWrap>
          )}
          <nav className="pages" aria-label={t('clients.page', { page: cursors.length + 1 })}>
            <button type="button" disabled={cursors.length === 0} onClick={() => setCursors(cursors.slice(0, -1))}>
              {t('clients.previous')}
            </button>
            <span>{t('clients.page', { page: cursors.length + 1 })}</span>
            <button
              type="button"
              disabled={!page.pageInfo.hasNextPage || !page.pageInfo.endCursor}
              onClick={() => page.pageInfo.endCursor && setCursors([...cursors, page.pageInfo.endCursor])}
            >
              {t('clients.next')}
            </button>
          </nav>
        </>
      )}
      <NewCard onAdded={() => refetch({ requestPolicy: 'network-only' })} />
    </section>
  );
}
