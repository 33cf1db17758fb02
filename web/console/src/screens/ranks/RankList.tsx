// A category's ranks in order (R3): what each asks (visits, days, skills) and its stripes;
// rename or change criteria and stripes, move, remove one nobody holds, add one.
import {
  ConsoleAddRankDocument,
  ConsoleMoveRankDocument,
  ConsoleRemoveRankDocument,
  ConsoleUpdateRankDocument,
  type ConsoleCriteriaFragment,
  type ConsoleRankCategoryFragment,
  type ConsoleRankDetailFragment,
  type RankInput,
  type RankTerminology,
} from '@studio/graph';
import { useState, type FormEvent } from 'react';
import { useMutation } from 'urql';

import { Refusals, useFieldErrors } from '../../fieldErrors';
import { useI18n } from '../../i18n';
import { Problem } from '../../ui';

const FIELDS = ['name', 'minVisits', 'minDaysInRank', 'skills', 'stripes', 'position'];

type Criteria = { minVisits: string; minDaysInRank: string; skills: string };

const toForm = (c: ConsoleCriteriaFragment | undefined): Criteria => ({
  minVisits: c?.minVisits == null ? '' : String(c.minVisits),
  minDaysInRank: c?.minDaysInRank == null ? '' : String(c.minDaysInRank),
  skills: c?.skills.join(', ') ?? '',
});

const toInput = (c: Criteria) => ({
  minVisits: c.minVisits === '' ? null : Number(c.minVisits),
  minDaysInRank: c.minDaysInRank === '' ? null : Number(c.minDaysInRank),
  skills: c.skills
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
});

export function useCriteriaText() {
  const { t } = useI18n();
  return (c: ConsoleCriteriaFragment) => {
    const parts = [
      c.minVisits != null && t('rk.visitsN', { n: c.minVisits }),
      c.minDaysInRank != null && t('rk.daysN', { n: c.minDaysInRank }),
      c.skills.length > 0 && t('rk.skillsN', { skills: c.skills.join(', ') }),
    ].filter(Boolean);
    return parts.length ? parts.join(' · ') : t('rk.byHand');
  };
}

export function RankList(props: { category: ConsoleRankCategoryFragment; terminology: RankTerminology }) {
  const { t, term } = useI18n();
  const criteria = useCriteriaText();
  const { category, terminology } = props;
  const [moved, move] = useMutation(ConsoleMoveRankDocument);
  const [removed, remove] = useMutation(ConsoleRemoveRankDocument);
  const refusals = [...(moved.data?.moveRank?.userErrors ?? []), ...(removed.data?.removeRank?.userErrors ?? [])];
  const last = category.ranks.length;
  return (
    <>
      <ol className="rank-list">
        {category.ranks.map((rank) => (
          <li key={rank.id}>
            <p>
              <strong>{rank.name}</strong> <span className="muted">{criteria(rank.criteria)}</span>
            </p>
            {rank.stripes.length > 0 && (
              <p className="muted">
                {t(`rk.stripes.${terminology}`)}: {rank.stripes.map((s) => `${s.number}. ${criteria(s.criteria)}`).join('; ')}
              </p>
            )}
            <div className="actions">
              <button
                type="button"
                className="quiet"
                disabled={rank.position === 1 || moved.fetching}
                onClick={() => void move({ id: rank.id, position: rank.position - 1 })}
              >
                {t('rk.moveUp', { name: rank.name })}
              </button>
              <button
                type="button"
                className="quiet"
                disabled={rank.position === last || moved.fetching}
                onClick={() => void move({ id: rank.id, position: rank.position + 1 })}
              >
                {t('rk.moveDown', { name: rank.name })}
              </button>
              <button
                type="button"
                className="quiet"
                disabled={removed.fetching}
                onClick={() => {
                  if (window.confirm(t('rk.removeConfirm', { name: rank.name }))) void remove({ id: rank.id });
                }}
              >
                {t('rk.remove', { name: rank.name })}
              </button>
            </div>
            <details>
              <summary>{t('rk.edit', { name: rank.name })}</summary>
              <RankForm categoryId={category.id} rank={rank} terminology={terminology} />
            </details>
          </li>
        ))}
      </ol>
      {(moved.error ?? removed.error) && <Problem error={(moved.error ?? removed.error)!} />}
      <Refusals errors={refusals} />
      <details>
        <summary>{t('rk.addRank', { singular: term('singular') })}</summary>
        <RankForm categoryId={category.id} rank={null} terminology={terminology} />
      </details>
    </>
  );
}

function RankForm(props: { categoryId: string; rank: ConsoleRankDetailFragment | null; terminology: RankTerminology }) {
  const { t } = useI18n();
  const { rank } = props;
  const [updated, update] = useMutation(ConsoleUpdateRankDocument);
  const [added, add] = useMutation(ConsoleAddRankDocument);
  const result = rank ? updated : added;
  const errors = rank ? updated.data?.updateRank?.userErrors : added.data?.addRank?.userErrors;
  const fields = useFieldErrors(errors, FIELDS);
  const [own, setOwn] = useState<Criteria>(toForm(rank?.criteria));
  const [stripes, setStripes] = useState<Criteria[]>(rank?.stripes.map((s) => toForm(s.criteria)) ?? []);
  const [saved, setSaved] = useState(false);
  const stripeWord = t(`rk.stripe.${props.terminology}`);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setSaved(false);
    const form = new FormData(event.currentTarget);
    const input: RankInput = {
      name: String(form.get('name') ?? '').trim(),
      criteria: toInput(own),
      stripes: stripes.map((s) => ({ criteria: toInput(s) })),
    };
    if (rank) {
      const answer = await update({ id: rank.id, input });
      if (answer.data?.updateRank?.rank) setSaved(true);
    } else {
      const position = String(form.get('position') ?? '');
      const answer = await add({ categoryId: props.categoryId, input, position: position ? Number(position) : null });
      if (answer.data?.addRank?.rank) {
        setSaved(true);
        setOwn(toForm(undefined));
        setStripes([]);
        (event.target as HTMLFormElement).reset();
      }
    }
  }

  const criteriaInputs = (value: Criteria, set: (next: Criteria) => void, prefix: string) => (
    <>
      <label>
        {t('rk.minVisits')}
        <input
          type="number"
          min={0}
          inputMode="numeric"
          value={value.minVisits}
          onChange={(e) => set({ ...value, minVisits: e.target.value })}
          {...(prefix ? {} : fields.describe('minVisits'))}
        />
        {!prefix && fields.message('minVisits')}
      </label>
      <label>
        {t('rk.minDays')}
        <input
          type="number"
          min={0}
          inputMode="numeric"
          value={value.minDaysInRank}
          onChange={(e) => set({ ...value, minDaysInRank: e.target.value })}
          {...(prefix ? {} : fields.describe('minDaysInRank'))}
        />
        {!prefix && fields.message('minDaysInRank')}
      </label>
      <label>
        {t('rk.skills')}
        <input
          value={value.skills}
          onChange={(e) => set({ ...value, skills: e.target.value })}
          {...(prefix ? {} : fields.describe('skills'))}
        />
        {!prefix && fields.message('skills')}
      </label>
    </>
  );

  return (
    <form className="inline" onSubmit={(e) => void submit(e)}>
      <label>
        {t('rk.rankName')}
        <input name="name" required defaultValue={rank?.name ?? ''} {...fields.describe('name')} />
        {fields.message('name')}
      </label>
      {!rank && (
        <label>
          {t('rk.position')}
          <input name="position" type="number" min={1} inputMode="numeric" {...fields.describe('position')} />
          {fields.message('position')}
        </label>
      )}
      {criteriaInputs(own, setOwn, '')}
      <fieldset className="full" {...fields.describe('stripes')}>
        <legend>{t(`rk.stripes.${props.terminology}`)}</legend>
        {stripes.map((stripe, i) => (
          <fieldset key={i} className="inline">
            <legend>
              {stripeWord} {i + 1}
            </legend>
            {criteriaInputs(stripe, (next) => setStripes(stripes.map((s, j) => (j === i ? next : s))), `s${i}`)}
            <button type="button" className="quiet" onClick={() => setStripes(stripes.filter((_, j) => j !== i))}>
              {t('rk.removeStripe', { n: i + 1 })}
            </button>
          </fieldset>
        ))}
        <button type="button" className="quiet" onClick={() => setStripes([...stripes, toForm(undefined)])}>
          {t('rk.addStripe')}
        </button>
        {fields.message('stripes')}
      </fieldset>
      <button type="submit" disabled={result.fetching}>
        {rank ? t('save') : t('rk.create')}
      </button>
      {result.error && <Problem error={result.error} />}
      {fields.rest()}
      {saved && <p role="status">{t('rk.saved')}</p>}
    </form>
  );
}
