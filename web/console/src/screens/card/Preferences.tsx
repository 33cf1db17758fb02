// Communication preferences (C8): five categories on three channels, fifteen switches; each
// change is saved at once and announced.
import { ConsoleSetPreferenceDocument, type Channel, type MessageCategory } from '@studio/graph';
import { useState } from 'react';
import { useMutation } from 'urql';

import { Refusals } from '../../fieldErrors';
import { useI18n } from '../../i18n';
import { Problem } from '../../ui';
import type { CardMore } from './types';

export const CATEGORIES: MessageCategory[] = ['APPOINTMENTS', 'SERVICE', 'PACKAGES', 'MARKETING', 'TRANSACTIONS'];
export const CHANNELS: Channel[] = ['SMS', 'PUSH', 'EMAIL'];

export function Preferences({ client }: { client: CardMore }) {
  const { t } = useI18n();
  const [result, set] = useMutation(ConsoleSetPreferenceDocument);
  const [said, setSaid] = useState('');
  const enabled = (category: MessageCategory, channel: Channel) =>
    client.communicationPreferences.find((p) => p.category === category && p.channel === channel)?.enabled ?? true;

  async function toggle(category: MessageCategory, channel: Channel, on: boolean) {
    const answer = await set({ clientId: client.id, category, channel, enabled: on });
    if (answer.data?.setCommunicationPreference?.client) {
      const what = { category: t(`cd.category.${category}`), channel: t(`cd.channel.${channel}`) };
      setSaid(on ? t('cd.prefOn', what) : t('cd.prefOff', what));
    }
  }

  return (
    <section className="panel" aria-labelledby="preferences-title">
      <h2 id="preferences-title">{t('cd.preferences')}</h2>
      <div className="table-wrap" tabIndex={0} role="region" aria-label={t('more.table', { name: t('cd.preferences') })}>
        <table className="switches">
          <thead>
            <tr>
              <th scope="col">{t('cd.category')}</th>
              {CHANNELS.map((channel) => (
                <th key={channel} scope="col">
                  {t(`cd.channel.${channel}`)}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {CATEGORIES.map((category) => (
              <tr key={category}>
                <th scope="row">{t(`cd.category.${category}`)}</th>
                {CHANNELS.map((channel) => (
                  <td key={channel}>
                    <label className="check">
                      <input
                        type="checkbox"
                        checked={enabled(category, channel)}
                        disabled={result.fetching}
                        onChange={(e) => void toggle(category, channel, e.target.checked)}
                      />
                      <span className="visually-hidden">
                        {t('cd.prefLabel', { category: t(`cd.category.${category}`), channel: t(`cd.channel.${channel}`) })}
                      </span>
                      <span aria-hidden="true">{enabled(category, channel) ? t('cd.on') : t('cd.off')}</span>
                    </label>
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p role="status" className="muted">
        {said}
      </p>
      {result.error && <Problem error={result.error} />}
      <Refusals errors={result.data?.setCommunicationPreference?.userErrors} />
    </section>
  );
}
