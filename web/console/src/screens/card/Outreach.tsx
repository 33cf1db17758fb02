// Messages from the card (N4): a payment reminder, a booking invitation or the points
// balance, on a chosen channel or the first one the client can be reached on. One key per
// intent: a double click sends one message.
import { ConsoleSendClientMessageDocument, type Channel } from '@studio/graph';
import { useState, type FormEvent } from 'react';
import { useMutation } from 'urql';

import { useFieldErrors } from '../../fieldErrors';
import { useI18n } from '../../i18n';
import type { Key } from '../../i18n/en';
import { Problem, useIdempotencyKey } from '../../ui';
import { CHANNELS } from './Preferences';

const TEMPLATES = ['payment_reminder', 'booking_invitation', 'points_balance'] as const;

export function Outreach({ clientId }: { clientId: string }) {
  const { t } = useI18n();
  const [key, renewKey] = useIdempotencyKey();
  const [result, send] = useMutation(ConsoleSendClientMessageDocument);
  const payload = result.data?.sendClientMessage;
  const fields = useFieldErrors(payload?.userErrors, ['templateKey', 'channel']);
  const [outcome, setOutcome] = useState<Key | null>(null);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setOutcome(null);
    const form = new FormData(event.currentTarget);
    const channel = String(form.get('channel') ?? '');
    const answer = await send({
      clientId,
      templateKey: String(form.get('templateKey')),
      channel: channel ? (channel as Channel) : null,
      idempotencyKey: key,
    });
    const status = answer.data?.sendClientMessage?.status;
    if (status) setOutcome(`cd.sent.${status}`);
    if (status && status !== 'REFUSED') renewKey();
  }

  return (
    <section className="panel" aria-labelledby="outreach-title">
      <h2 id="outreach-title">{t('cd.outreach')}</h2>
      <form className="stack" onSubmit={(e) => void submit(e)}>
        <label>
          {t('cd.message')}
          <select name="templateKey" {...fields.describe('templateKey')}>
            {TEMPLATES.map((k) => (
              <option key={k} value={k}>
                {t(`tpl.key.${k}`)}
              </option>
            ))}
          </select>
          {fields.message('templateKey')}
        </label>
        <label>
          {t('cd.channel')}
          <select name="channel" {...fields.describe('channel')}>
            <option value="">{t('cd.channel.any')}</option>
            {CHANNELS.map((c) => (
              <option key={c} value={c}>
                {t(`cd.channel.${c}`)}
              </option>
            ))}
          </select>
          {fields.message('channel')}
        </label>
        <div>
          <button type="submit" disabled={result.fetching} aria-busy={result.fetching}>
            {t('cd.send')}
          </button>
        </div>
        {result.error && <Problem error={result.error} />}
        {fields.rest()}
        {outcome && <p role="status">{t(outcome)}</p>}
      </form>
    </section>
  );
}
