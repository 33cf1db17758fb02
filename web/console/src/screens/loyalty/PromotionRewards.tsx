// Points a promotion grants (B4): per rank, once, lasting the given days.
import { ConsoleSetPromotionRewardDocument, type ConsoleLoyaltyProgramFragment } from '@studio/graph';
import { useState, type FormEvent } from 'react';
import { useMutation } from 'urql';

import { useFieldErrors } from '../../fieldErrors';
import { useI18n } from '../../i18n';
import { Problem } from '../../ui';

type Category = { id: string; name: string; ranks: { id: string; name: string }[] };

export function PromotionRewards(props: { program: ConsoleLoyaltyProgramFragment; categories: Category[] }) {
  const { t, term } = useI18n();
  if (props.categories.length === 0) return null;
  return (
    <section className="panel" aria-labelledby="promotion-rewards">
      <h2 id="promotion-rewards">{t('lo.rewards', { plural: term('plural'), singular: term('singular') })}</h2>
      <p className="muted">{t('lo.rewardsHelp')}</p>
      {props.categories.map((category) => (
        <fieldset key={category.id}>
          <legend>{category.name}</legend>
          <ul className="plain">
            {category.ranks.map((rank) => (
              <li key={rank.id}>
                <RewardForm
                  category={category.name}
                  rank={rank}
                  reward={props.program.promotionRewards.find((r) => r.rankId === rank.id) ?? null}
                  defaultExpiry={props.program.expiryDays}
                />
              </li>
            ))}
          </ul>
        </fieldset>
      ))}
    </section>
  );
}

function RewardForm(props: {
  category: string;
  rank: { id: string; name: string };
  reward: { points: number; expiryDays: number } | null;
  defaultExpiry: number;
}) {
  const { t } = useI18n();
  const [result, save] = useMutation(ConsoleSetPromotionRewardDocument);
  const fields = useFieldErrors(result.data?.setPromotionReward?.userErrors, ['points', 'expiryDays']);
  const [saved, setSaved] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setSaved(false);
    const form = new FormData(event.currentTarget);
    const expiry = String(form.get('expiryDays') ?? '');
    const answer = await save({
      rankId: props.rank.id,
      points: Number(form.get('points')),
      expiryDays: expiry ? Number(expiry) : null,
    });
    if (answer.data?.setPromotionReward?.program) setSaved(true);
  }

  return (
    <form className="inline" aria-label={`${props.category} · ${props.rank.name}`} onSubmit={(e) => void submit(e)}>
      <strong className="rank-name">{props.rank.name}</strong>
      <label>
        {t('card.amount')}
        <input
          name="points"
          type="number"
          min={0}
          required
          inputMode="numeric"
          defaultValue={props.reward?.points ?? 0}
          {...fields.describe('points')}
        />
        {fields.message('points')}
      </label>
      <label>
        {t('loyalty.expiry')}
        <input
          name="expiryDays"
          type="number"
          min={1}
          inputMode="numeric"
          placeholder={String(props.defaultExpiry)}
          defaultValue={props.reward?.expiryDays ?? ''}
          {...fields.describe('expiryDays')}
        />
        {fields.message('expiryDays')}
      </label>
      <button type="submit" disabled={result.fetching}>
        {t('save')}
      </button>
      {result.error && <Problem error={result.error} />}
      {fields.rest()}
      {saved && <p role="status">{t('rk.saved')}</p>}
    </form>
  );
}
