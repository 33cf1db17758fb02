// The Clients screen's further filters (C10): branch, birthday today or this month, rank,
// points range. Each is a search parameter of the address and an argument of
// `clients(filter:)`; "this month" is the studio's month, which the graph works out
// (`birthdayThisMonth`) in the studio's time zone.
import { ConsoleClientFiltersDocument } from '@studio/graph';
import { useQuery } from 'urql';

import { useI18n } from '../../i18n';

export const MORE_FILTERS = ['branch', 'birthday', 'rank', 'min', 'max'] as const;

type Filter = {
  branchId: string | null;
  birthdayOn: string | null;
  birthdayThisMonth: boolean | null;
  rankId: string | null;
  minPoints: number | null;
  maxPoints: number | null;
};

const whole = (value: string | null): number | null =>
  value !== null && /^\d+$/.test(value) ? Number(value) : null;

/** The filter's arguments from the address; `today` is the studio's date (YYYY-MM-DD). */
export function filterFrom(query: URLSearchParams, today: string | null): Filter {
  return {
    branchId: query.get('branch') || null,
    birthdayOn: query.get('birthday') === 'today' ? today : null,
    birthdayThisMonth: query.get('birthday') === 'month' ? true : null,
    rankId: query.get('rank') || null,
    minPoints: whole(query.get('min')),
    maxPoints: whole(query.get('max')),
  };
}

/** Today in the studio's time zone (null until it is known). */
export function useStudioToday(): string | null {
  const [{ data }] = useQuery({ query: ConsoleClientFiltersDocument });
  const zone = data?.studio?.timeZone;
  // en-CA writes dates as YYYY-MM-DD.
  return zone ? new Intl.DateTimeFormat('en-CA', { timeZone: zone }).format(new Date()) : null;
}

export function MoreFilters({ query }: { query: URLSearchParams }) {
  const { t } = useI18n();
  const [{ data }] = useQuery({ query: ConsoleClientFiltersDocument });
  const branches = data?.studio?.branches ?? [];
  const categories = data?.rankCategories ?? [];
  return (
    <>
      {branches.length > 0 && (
        <label>
          {t('flt.branch')}
          <select name="branch" defaultValue={query.get('branch') ?? ''}>
            <option value="">{t('flt.anyBranch')}</option>
            {branches.map((branch) => (
              <option key={branch.id} value={branch.id}>
                {branch.name}
              </option>
            ))}
          </select>
        </label>
      )}
      <label>
        {t('flt.birthday')}
        <select name="birthday" defaultValue={query.get('birthday') ?? ''}>
          <option value="">{t('flt.anyDay')}</option>
          <option value="today">{t('flt.today')}</option>
          <option value="month">{t('flt.thisMonth')}</option>
        </select>
      </label>
      {categories.length > 0 && (
        <label>
          {t('flt.rank')}
          <select name="rank" defaultValue={query.get('rank') ?? ''}>
            <option value="">{t('flt.anyRank')}</option>
            {categories.map((category) => (
              <optgroup key={category.id} label={category.name}>
                {category.ranks.map((rank) => (
                  <option key={rank.id} value={rank.id}>
                    {rank.name}
                  </option>
                ))}
              </optgroup>
            ))}
          </select>
        </label>
      )}
      <label>
        {t('flt.minPoints')}
        <input name="min" type="number" min={0} step={1} inputMode="numeric" defaultValue={query.get('min') ?? ''} />
      </label>
      <label>
        {t('flt.maxPoints')}
        <input name="max" type="number" min={0} step={1} inputMode="numeric" defaultValue={query.get('max') ?? ''} />
      </label>
    </>
  );
}
