// The client card (C2, R7, L5, L6): main data and notes, ranks with promote (safe to
// double-click: one idempotency key per intent), points with manual grant and redeem; the
// new balance reaches every screen through the normalized cache.
import {
  ConsoleCardDocument,
  ConsoleDeductPointsDocument,
  ConsoleGrantPointsDocument,
  ConsoleLedgerDocument,
  ConsolePromoteDocument,
  type ConsoleCardQuery,
} from '@studio/graph';
import { useState, type FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';

import { useI18n } from '../i18n';
import { Link } from '../router';
import type { ScreenProps } from '../routes';
import { Loading, Problem, useIdempotencyKey, UserErrorList } from '../ui';
import { MoreSections } from './card/MoreSections';

type Card = NonNullable<ConsoleCardQuery['client']>;

export default function ClientCard({ params }: ScreenProps) {
  const { t } = useI18n();
  const id = params.id ?? '';
  const [{ data, error, fetching }] = useQuery({ query: ConsoleCardDocument, variables: { id } });
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
          <div className="grid">
            <MainData client={client} />
            <Ranks client={client} />
            <Points client={client} />
          </div>
          <MoreSections clientId={client.id} />
        </>
      )}
    </section>
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

function Ranks({ client }: { client: Card }) {
  const { t, term } = useI18n();
  const ranks = client.ranks ?? [];
  return (
    <section className="panel" aria-labelledby="ranks-title">
      <h2 id="ranks-title">{term('tracking')}</h2>
      {ranks.length === 0 ? (
        <p>{t('card.rankNone', { plural: term('plural'), singular: term('singular') })}</p>
      ) : (
        <ul className="plain">
          {ranks.map((held) => (
            <li key={held.id}>
              <RankRow clientId={client.id} held={held} />
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function RankRow(props: { clientId: string; held: NonNullable<Card['ranks']>[number] }) {
  const { t } = useI18n();
  const { held } = props;
  const [key, renewKey] = useIdempotencyKey();
  const [result, promote] = useMutation(ConsolePromoteDocument);
  const [promotedTo, setPromotedTo] = useState<string | null>(null);

  async function onPromote() {
    const answer = await promote({ clientId: props.clientId, categoryId: held.category.id, idempotencyKey: key });
    const rank = answer.data?.promoteClient?.clientRank?.rank;
    if (rank) {
      setPromotedTo(rank.name);
      renewKey();
    }
  }

  return (
    <div>
      <p>
        <strong>{held.category.name}</strong>: <span className="badge">{held.rank.name}</span>
      </p>
      <p className="muted">
        {t('card.visits')}: {held.visitsInRank}
        {held.eligibleForPromotion && <> · {t('card.eligible')}</>}
      </p>
      {held.nextRank ? (
        // Clicks while the first is on its way send the same key: one promotion.
        <button type="button" onClick={() => void onPromote()} aria-busy={result.fetching}>
          {t('card.promote', { rank: held.nextRank.name })}
        </button>
      ) : (
        <p className="muted">{t('card.top')}</p>
      )}
      {result.error && <Problem error={result.error} />}
      <UserErrorList errors={result.data?.promoteClient?.userErrors} />
      {promotedTo && <p role="status">{t('card.promoted', { rank: promotedTo })}</p>}
    </div>
  );
}

function Points({ client }: { client: Card }) {
  const { t, number, dateTime } = useI18n();
  const [key, renewKey] = useIdempotencyKey();
  const [granted, grant] = useMutation(ConsoleGrantPointsDocument);
  const [deducted, deduct] = useMutation(ConsoleDeductPointsDocument);
  const [{ data }, refetchLedger] = useQuery({
    query: ConsoleLedgerDocument,
    variables: { id: client.id, first: 10 },
  });
  const entries = data?.client?.loyalty?.ledger?.edges ?? [];

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const formElement = event.currentTarget;
    const submitter = (event.nativeEvent as SubmitEvent).submitter as HTMLButtonElement | null;
    const form = new FormData(formElement);
    const variables = {
      clientId: client.id,
      points: Number(form.get('points')),
      note: String(form.get('note') ?? ''),
      idempotencyKey: key,
    };
    const answer = submitter?.value === 'deduct' ? await deduct(variables) : await grant(variables);
    const payload = answer.data && ('grantPoints' in answer.data ? answer.data.grantPoints : answer.data.deductPoints);
    if (payload?.account) {
      renewKey();
      formElement.reset();
      refetchLedger({ requestPolicy: 'network-only' });
    }
  }

  return (
    <section className="panel" aria-labelledby="points-title">
      <h2 id="points-title">{t('card.points')}</h2>
      <p className="balance" aria-live="polite">
        {t('card.balance', { points: number(client.loyalty?.balance ?? 0) })}
      </p>
      <form className="inline" onSubmit={(event) => void submit(event)}>
        <label>
          {t('card.amount')}
          <input name="points" type="number" min={1} step={1} required inputMode="numeric" />
        </label>
        <label>
          {t('card.note')}
          <input name="note" required />
        </label>
        <button type="submit" name="action" value="grant" disabled={granted.fetching || deducted.fetching}>
          {t('card.grant')}
        </button>
        <button type="submit" name="action" value="deduct" disabled={granted.fetching || deducted.fetching}>
          {t('card.deduct')}
        </button>
      </form>
      {(granted.error ?? deducted.error) && <Problem error={(granted.error ?? deducted.error)!} />}
      <UserErrorList errors={granted.data?.grantPoints?.userErrors} />
      <UserErrorList errors={deducted.data?.deductPoints?.userErrors} />
      <h3>{t('card.ledger')}</h3>
      {entries.length === 0 ? (
        <p className="muted">{t('card.noLedger')}</p>
      ) : (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">{t('card.when')}</th>
                <th scope="col">{t('card.kind')}</th>
                <th scope="col" className="num">
                  {t('card.amount')}
                </th>
                <th scope="col" className="num">
                  {t('card.after')}
                </th>
                <th scope="col">{t('card.note')}</th>
              </tr>
            </thead>
            <tbody>
              {entries.map(({ node }) => (
                <tr key={node.id}>
                  <td>{dateTime(node.at)}</td>
                  <td>{t(`kind.${node.kind}`)}</td>
                  <td className="num">{number(node.points)}</td>
                  <td className="num">{number(node.balanceAfter)}</td>
                  <td>{node.note}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
