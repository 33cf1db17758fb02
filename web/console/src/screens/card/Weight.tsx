// The card's weight (C2): the latest reading and its history, newest first.
import type { ConsoleCardCoreFragment } from '@studio/graph';

import { useI18n } from '../../i18n';

export function Weight({ client }: { client: ConsoleCardCoreFragment }) {
  const { t, dateTime, language } = useI18n();
  const kg = new Intl.NumberFormat(language, { style: 'unit', unit: 'kilogram', maximumFractionDigits: 1 });
  const readings = [...client.weightHistory].sort((a, b) => b.at.localeCompare(a.at));
  return (
    <section className="panel" aria-labelledby="weight-title">
      <h2 id="weight-title">{t('core.weight')}</h2>
      <p>{client.weightKg == null ? t('core.noWeight') : kg.format(client.weightKg)}</p>
      {readings.length > 0 && (
        <ol className="plain" aria-label={t('core.weightHistory')}>
          {readings.map((reading) => (
            <li key={reading.at}>
              {kg.format(reading.kg)} <span className="muted">({dateTime(reading.at)})</span>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
