// The card's ranks (R7, R8): each category's rank and stripes with promote, demote, award
// and take back a stripe (one idempotency key per intent: a double click or a retry has no
// second effect), and the rank history, newest first.
import {
  ConsoleAwardStripeDocument,
  ConsoleDemoteDocument,
  ConsolePromoteDocument,
  ConsoleRemoveStripeDocument,
  type ConsoleCardCoreFragment,
  type ConsoleHeldRankFragment,
  type ConsoleRankChangedFragment,
} from '@studio/graph';
import { useState } from 'react';
import { useMutation, type TypedDocumentNode } from 'urql';

import { useI18n } from '../../i18n';
import type { Key } from '../../i18n/en';
import { Problem, TableWrap, useIdempotencyKey, UserErrorList } from '../../ui';

type Field = 'promoteClient' | 'demoteClient' | 'awardStripe' | 'removeStripe';
type Variables = { clientId: string; categoryId: string; note?: string | null; idempotencyKey?: string | null };
type RankAction = TypedDocumentNode<{ [F in Field]?: ConsoleRankChangedFragment | null }, Variables>;

export function RankPanel({ client }: { client: ConsoleCardCoreFragment }) {
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
      <RankHistory client={client} />
    </section>
  );
}

function RankRow({ clientId, held }: { clientId: string; held: ConsoleHeldRankFragment }) {
  const { t } = useI18n();
  return (
    <div>
      <p>
        <strong>{held.category.name}</strong>: <span className="badge">{held.rank.name}</span>{' '}
        {held.stripes > 0 && <span className="muted">{t('core.stripes', { count: held.stripes })}</span>}
      </p>
      <p className="muted">
        {t('card.visits')}: {held.visitsInRank}
        {held.eligibleForPromotion && <> · {t('card.eligible')}</>}
        {held.eligibleForStripe && <> · {t('core.stripeDue')}</>}
      </p>
      <div className="actions">
        {held.nextRank ? (
          <Action
            document={ConsolePromoteDocument}
            field="promoteClient"
            label={t('card.promote', { rank: held.nextRank.name })}
            done="card.promoted"
            clientId={clientId}
            held={held}
          />
        ) : (
          <p className="muted">{t('card.top')}</p>
        )}
        <Action
          document={ConsoleDemoteDocument}
          field="demoteClient"
          label={t('core.demote')}
          done="core.demoted"
          clientId={clientId}
          held={held}
          quiet
        />
        {held.nextStripe && (
          <Action
            document={ConsoleAwardStripeDocument}
            field="awardStripe"
            label={t('core.awardStripe', { number: held.nextStripe.number })}
            done="core.stripeAwarded"
            clientId={clientId}
            held={held}
          />
        )}
        {held.stripes > 0 && (
          <Action
            document={ConsoleRemoveStripeDocument}
            field="removeStripe"
            label={t('core.removeStripe')}
            done="core.stripeRemoved"
            clientId={clientId}
            held={held}
            quiet
          />
        )}
      </div>
    </div>
  );
}

/** One rank action. Clicks while the first is on its way send the same key: one effect. */
function Action(props: {
  document: RankAction;
  field: Field;
  label: string;
  done: Key;
  clientId: string;
  held: ConsoleHeldRankFragment;
  quiet?: boolean;
}) {
  const { t } = useI18n();
  const [key, renewKey] = useIdempotencyKey();
  const [result, run] = useMutation(props.document);
  const [doneWith, setDoneWith] = useState<ConsoleHeldRankFragment | null>(null);
  const payload = result.data?.[props.field];

  async function onClick() {
    const answer = await run({ clientId: props.clientId, categoryId: props.held.category.id, idempotencyKey: key });
    const rank = answer.data?.[props.field]?.clientRank;
    if (rank) {
      setDoneWith(rank);
      renewKey();
    }
  }

  return (
    <>
      <button type="button" className={props.quiet ? 'quiet' : undefined} onClick={() => void onClick()} aria-busy={result.fetching}>
        {props.label}
      </button>
      {result.error && <Problem error={result.error} />}
      <UserErrorList errors={payload?.userErrors} />
      {doneWith && (
        <p role="status">{t(props.done, { rank: doneWith.rank.name, count: doneWith.stripes })}</p>
      )}
    </>
  );
}

function RankHistory({ client }: { client: ConsoleCardCoreFragment }) {
  const { t, dateTime } = useI18n();
  const changes = [...(client.rankHistory ?? [])].reverse();
  if (changes.length === 0) return null;
  return (
    <>
      <h3>{t('core.history')}</h3>
      <TableWrap label={t('core.history')}>
        <table>
          <thead>
            <tr>
              <th scope="col">{t('card.when')}</th>
              <th scope="col">{t('card.category')}</th>
              <th scope="col">{t('core.change')}</th>
              <th scope="col">{t('core.by')}</th>
            </tr>
          </thead>
          <tbody>
            {changes.map((change) => (
              <tr key={change.id}>
                <td>{dateTime(change.at)}</td>
                <td>{change.category.name}</td>
                <td>
                  {t(`core.kind.${change.kind}` as Key)}: {change.fromRank?.name ?? '—'}
                  {change.fromStripes > 0 && ` (${change.fromStripes})`} → {change.toRank.name}
                  {change.toStripes > 0 && ` (${change.toStripes})`}
                  {change.note && <span className="muted"> · {change.note}</span>}
                </td>
                <td>{t(`core.trigger.${change.trigger}` as Key)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableWrap>
    </>
  );
}
