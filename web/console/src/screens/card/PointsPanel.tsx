// The card's points (L3, L5, L6): the balance, what expires when, a manual grant or deduction
// (one idempotency key per intent), paying (part of) an invoice with points, and the ledger.
// `ledgerVersion` changes when the card's live updates report a movement: the ledger is
// read again.
import {
  ConsoleDeductPointsDocument,
  ConsoleGrantPointsDocument,
  ConsoleLedgerDocument,
  ConsoleRedeemPointsDocument,
  type ConsoleCardCoreFragment,
  type SalesChannel,
} from '@studio/graph';
import { useEffect, type FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';

import { useI18n } from '../../i18n';
import { Problem, TableWrap, useIdempotencyKey, UserErrorList } from '../../ui';

export function PointsPanel({ client, ledgerVersion }: { client: ConsoleCardCoreFragment; ledgerVersion: number }) {
  const { t, number, date } = useI18n();
  const [{ data }, refetchLedger] = useQuery({ query: ConsoleLedgerDocument, variables: { id: client.id, first: 10 } });
  useEffect(() => {
    if (ledgerVersion > 0) refetchLedger({ requestPolicy: 'network-only' });
  }, [ledgerVersion, refetchLedger]);
  const lots = client.loyalty?.expiringLots ?? [];
  const reread = () => refetchLedger({ requestPolicy: 'network-only' });
  return (
    <section className="panel" aria-labelledby="points-title">
      <h2 id="points-title">{t('card.points')}</h2>
      <p className="balance" aria-live="polite">
        {t('card.balance', { points: number(client.loyalty?.balance ?? 0) })}
      </p>
      {lots.length > 0 && (
        <>
          <h3 id="lots-title">{t('core.lots')}</h3>
          <ul aria-labelledby="lots-title">
            {lots.map((lot) => (
              <li key={lot.expiresAt}>{t('core.lot', { points: number(lot.points), date: date(lot.expiresAt) })}</li>
            ))}
          </ul>
        </>
      )}
      <ByHand clientId={client.id} onDone={reread} />
      <Redeem clientId={client.id} onDone={reread} />
      <h3>{t('card.ledger')}</h3>
      <Ledger entries={data?.client?.loyalty?.ledger?.edges.map((edge) => edge.node) ?? []} />
    </section>
  );
}

function ByHand({ clientId, onDone }: { clientId: string; onDone: () => void }) {
  const { t } = useI18n();
  const [key, renewKey] = useIdempotencyKey();
  const [granted, grant] = useMutation(ConsoleGrantPointsDocument);
  const [deducted, deduct] = useMutation(ConsoleDeductPointsDocument);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const formElement = event.currentTarget;
    const submitter = (event.nativeEvent as SubmitEvent).submitter as HTMLButtonElement | null;
    const form = new FormData(formElement);
    const variables = {
      clientId,
      points: Number(form.get('points')),
      note: String(form.get('note') ?? ''),
      idempotencyKey: key,
    };
    const answer = submitter?.value === 'deduct' ? await deduct(variables) : await grant(variables);
    const payload = answer.data && ('grantPoints' in answer.data ? answer.data.grantPoints : answer.data.deductPoints);
    if (payload?.account) {
      renewKey();
      formElement.reset();
      onDone();
    }
  }

  const error = granted.error ?? deducted.error;
  return (
    <>
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
      {error && <Problem error={error} />}
      <UserErrorList errors={granted.data?.grantPoints?.userErrors} />
      <UserErrorList errors={deducted.data?.deductPoints?.userErrors} />
    </>
  );
}

/** L3: pay an invoice with points. The same invoice twice has no second effect (the graph
 * keys it by invoice number), so no idempotency key is needed here. */
function Redeem({ clientId, onDone }: { clientId: string; onDone: () => void }) {
  const { t, number } = useI18n();
  const [result, redeem] = useMutation(ConsoleRedeemPointsDocument);
  const payload = result.data?.redeemPoints;
  const used = payload?.entries.reduce((sum, entry) => sum - entry.points, 0);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const answer = await redeem({
      clientId,
      invoiceNumber: String(form.get('invoice') ?? '').trim(),
      amount: String(form.get('amount') ?? ''),
      channel: String(form.get('channel') ?? 'IN_STUDIO') as SalesChannel,
    });
    if (answer.data?.redeemPoints?.account) onDone();
  }

  return (
    <details className="panel">
      <summary>{t('core.redeem')}</summary>
      <form className="inline" onSubmit={(event) => void submit(event)}>
        <label>
          {t('core.invoice')}
          <input name="invoice" required />
        </label>
        <label>
          {t('core.invoiceAmount')}
          <input name="amount" type="number" min="0.01" step="0.01" required inputMode="decimal" />
        </label>
        <label>
          {t('core.channel')}
          <select name="channel" defaultValue="IN_STUDIO">
            <option value="IN_STUDIO">{t('core.channel.IN_STUDIO')}</option>
            <option value="APP">{t('core.channel.APP')}</option>
          </select>
        </label>
        <button type="submit" disabled={result.fetching}>
          {t('core.pay')}
        </button>
      </form>
      {result.error && <Problem error={result.error} />}
      <UserErrorList errors={payload?.userErrors} />
      {payload?.account && <p role="status">{t('core.redeemed', { points: number(Math.abs(used ?? 0)) })}</p>}
    </details>
  );
}

type Entry = {
  id: string;
  at: string;
  kind: string;
  points: number;
  balanceAfter: number;
  note: string | null;
  invoiceNumber: string | null;
  expiresAt: string | null;
};

function Ledger({ entries }: { entries: Entry[] }) {
  const { t, number, dateTime, date } = useI18n();
  if (entries.length === 0) return <p className="muted">{t('card.noLedger')}</p>;
  return (
    <TableWrap label={t('card.ledger')}>
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
            <th scope="col">{t('card.expires')}</th>
          </tr>
        </thead>
        <tbody>
          {entries.map((node) => (
            <tr key={node.id}>
              <td>{dateTime(node.at)}</td>
              <td>{t(`kind.${node.kind}` as 'kind.EARN')}</td>
              <td className="num">{number(node.points)}</td>
              <td className="num">{number(node.balanceAfter)}</td>
              <td>
                {node.note}
                {node.invoiceNumber && <span className="muted"> {t('core.invoiceNumber', { number: node.invoiceNumber })}</span>}
              </td>
              <td>{node.expiresAt ? date(node.expiresAt) : '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableWrap>
  );
}
