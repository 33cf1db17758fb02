// Occupancy (K1, B10) of a day or a month as weekday × hour cells, with branch, service and
// professional filters. Each cell says its rate and its places in text; the shade only
// repeats it.
import { ConsoleOccupancyDocument, type Period } from '@studio/graph';
import { useState } from 'react';
import { useQuery } from 'urql';

import { useI18n } from '../../i18n';
import { Loading, Problem } from '../../ui';
import { IdOptions, useProfessionals, useServices } from '../pickers';
import { cellsFromHeatmap, cellsFromPoints, hourRange, level, type Cell } from './cells';

const WEEKDAYS = [1, 2, 3, 4, 5, 6, 7];

export function Heatmap({ date }: { date: string }) {
  const { t, language, number } = useI18n();
  const [period, setPeriod] = useState<Period>('MONTH');
  const [branchId, setBranchId] = useState('');
  const [serviceId, setServiceId] = useState('');
  const [professionalId, setProfessionalId] = useState('');
  const services = useServices();
  const professionals = useProfessionals();
  const [{ data, error, fetching }] = useQuery({
    query: ConsoleOccupancyDocument,
    variables: {
      date,
      period,
      branchId: branchId || null,
      serviceId: serviceId.trim() || null,
      professionalId: professionalId.trim() || null,
    },
    requestPolicy: 'cache-and-network',
  });
  const summary = data?.crmSummary;
  const timeZone = data?.studio?.timeZone ?? 'UTC';
  // A month is the graph's weekday × hour grid (filtered there, in the studio's time zone);
  // a day is its hours.
  const cells: Cell[] = !summary
    ? []
    : period === 'MONTH'
      ? cellsFromHeatmap(summary.heatmap)
      : cellsFromPoints(summary.occupancy, timeZone);
  const days = period === 'DAY' ? [...new Set(cells.map((c) => c.weekday))] : WEEKDAYS;
  const hours = hourRange(cells);
  const dayName = new Intl.DateTimeFormat(language, { weekday: 'long', timeZone: 'UTC' });
  // 2024-01-01 was a Monday: ISO weekday n is that day plus n - 1.
  const weekdayName = (n: number) => dayName.format(new Date(Date.UTC(2024, 0, n)));
  const find = (weekday: number, hour: number) => cells.find((c) => c.weekday === weekday && c.hour === hour);
  const percent = (cell: Cell) => `${number(Math.round((cell.booked / cell.offered) * 100))} %`;

  return (
    <section className="panel" aria-labelledby="heatmap-title">
      <h2 id="heatmap-title">{t('cm.occupancy')}</h2>
      <div className="filters">
        <label>
          {t('cm.period')}
          <select value={period} onChange={(e) => setPeriod(e.target.value as Period)}>
            <option value="DAY">{t('cm.period.DAY')}</option>
            <option value="MONTH">{t('cm.period.MONTH')}</option>
          </select>
        </label>
        {(data?.studio?.branches.length ?? 0) > 0 && (
          <label>
            {t('lo.branch')}
            <select value={branchId} onChange={(e) => setBranchId(e.target.value)}>
              <option value="">{t('lo.allBranches')}</option>
              {data?.studio?.branches.map((b) => (
                <option key={b.id} value={b.id}>
                  {b.name}
                </option>
              ))}
            </select>
          </label>
        )}
        <label>
          {t('cm.service')}
          <input
            value={serviceId}
            onChange={(e) => setServiceId(e.target.value)}
            placeholder={t('cm.anyId')}
            list="heatmap-services"
          />
          <IdOptions id="heatmap-services" items={services} />
        </label>
        <label>
          {t('cm.professional')}
          <input
            value={professionalId}
            onChange={(e) => setProfessionalId(e.target.value)}
            placeholder={t('cm.anyId')}
            list="heatmap-professionals"
          />
          <IdOptions id="heatmap-professionals" items={professionals} />
        </label>
      </div>
      {error && <Problem error={error} />}
      {!summary && fetching && <Loading />}
      {summary && cells.length === 0 && <p className="muted">{t('cm.noSessions')}</p>}
      {summary && cells.length > 0 && (
        <div className="table-wrap" tabIndex={0} role="region" aria-label={t('more.table', { name: t('cm.occupancy') })}>
          <table className="heatmap">
            <caption>{t(period === 'DAY' ? 'cm.heatCaptionDay' : 'cm.heatCaptionMonth')}</caption>
            <thead>
              <tr>
                <td />
                {hours.map((h) => (
                  <th key={h} scope="col">
                    {`${h}`.padStart(2, '0')}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {days.map((weekday) => (
                <tr key={weekday}>
                  <th scope="row">{weekdayName(weekday)}</th>
                  {hours.map((hour) => {
                    const cell = find(weekday, hour);
                    if (!cell || cell.offered === 0) {
                      return (
                        <td key={hour} className="heat-0">
                          <span aria-hidden="true">·</span>
                          <span className="visually-hidden">{t('cm.noPlaces')}</span>
                        </td>
                      );
                    }
                    return (
                      <td key={hour} className={`heat-${level(cell)}`}>
                        {percent(cell)}
                        <span className="places">
                          {t('cm.places', { booked: number(cell.booked), offered: number(cell.offered) })}
                        </span>
                      </td>
                    );
                  })}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <p className="muted">{t('cm.legend')}</p>
    </section>
  );
}
