// Funnels (K4): each stage with how many clients are in it; create a funnel, move a client
// (found by name) to a stage.
import {
  ConsoleClientsDocument,
  ConsoleCreateFunnelDocument,
  ConsoleCrmInsightsDocument,
  ConsoleMoveInFunnelDocument,
  type ConsoleFunnelFragment,
} from '@studio/graph';
import { useState, type FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';

import { useFieldErrors } from '../../fieldErrors';
import { useI18n } from '../../i18n';
import { Problem, useIdempotencyKey } from '../../ui';

export function Funnels() {
  const { t, number } = useI18n();
  const [{ data, error }, refetch] = useQuery({ query: ConsoleCrmInsightsDocument, variables: { date: null, scope: 'ALL' } });
  const [created, create] = useMutation(ConsoleCreateFunnelDocument);
  const fields = useFieldErrors(created.data?.createFunnel?.userErrors, ['name', 'stages']);
  // One key per funnel being written: a second click creates no second funnel.
  const [key, renewKey] = useIdempotencyKey();
  const funnels = data?.funnels ?? [];

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const formElement = event.currentTarget;
    const form = new FormData(formElement);
    const stages = String(form.get('stages') ?? '')
      .split('\n')
      .map((s) => s.trim())
      .filter(Boolean);
    const answer = await create({ name: String(form.get('name') ?? '').trim(), stages, idempotencyKey: key });
    if (answer.data?.createFunnel?.funnel) {
      renewKey();
      formElement.reset();
      refetch({ requestPolicy: 'network-only' });
    }
  }

  return (
    <section className="panel" aria-labelledby="funnels-title">
      <h2 id="funnels-title">{t('cm.funnels')}</h2>
      {error && <Problem error={error} />}
      {data && funnels.length === 0 && <p className="muted">{t('cm.noFunnels')}</p>}
      {funnels.map((funnel) => (
        <section key={funnel.id} aria-labelledby={`funnel-${funnel.id}`}>
          <h3 id={`funnel-${funnel.id}`}>{funnel.name}</h3>
          <ol className="funnel">
            {funnel.stages.map((stage) => (
              <li key={stage.id}>
                {stage.name}: <strong>{t('cm.clientsN', { n: number(stage.clientCount) })}</strong>
              </li>
            ))}
          </ol>
          <MoveClient funnel={funnel} />
        </section>
      ))}
      <details>
        <summary>{t('cm.newFunnel')}</summary>
        <form className="stack" onSubmit={(e) => void submit(e)}>
          <label>
            {t('cm.funnelName')}
            <input name="name" required {...fields.describe('name')} />
            {fields.message('name')}
          </label>
          <label>
            {t('cm.stages')}
            <textarea name="stages" rows={3} required {...fields.describe('stages')} />
            {fields.message('stages')}
          </label>
          <div>
            <button type="submit" disabled={created.fetching}>
              {t('rk.create')}
            </button>
          </div>
          {created.error && <Problem error={created.error} />}
          {fields.rest()}
        </form>
      </details>
    </section>
  );
}

function MoveClient({ funnel }: { funnel: ConsoleFunnelFragment }) {
  const { t } = useI18n();
  const [search, setSearch] = useState('');
  const [{ data }] = useQuery({
    query: ConsoleClientsDocument,
    variables: { filter: { search }, first: 10 },
    pause: search.trim().length < 2,
  });
  const [moved, move] = useMutation(ConsoleMoveInFunnelDocument);
  const fields = useFieldErrors(moved.data?.moveClientInFunnel?.userErrors, ['clientId', 'stageId']);
  const [done, setDone] = useState(false);
  const found = data?.clients?.edges ?? [];

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setDone(false);
    const form = new FormData(event.currentTarget);
    const clientId = String(form.get('clientId') ?? '');
    if (!clientId) return;
    const answer = await move({ funnelId: funnel.id, clientId, stageId: String(form.get('stageId')) });
    if (answer.data?.moveClientInFunnel?.funnel) setDone(true);
  }

  return (
    <details>
      <summary>{t('cm.moveClient', { name: funnel.name })}</summary>
      <form className="inline" onSubmit={(e) => void submit(e)}>
        <label>
          {t('cm.findClient')}
          <input type="search" value={search} onChange={(e) => setSearch(e.target.value)} />
        </label>
        <label>
          {t('ranks.client')}
          <select name="clientId" required {...fields.describe('clientId')}>
            {found.map(({ node }) => (
              <option key={node.id} value={node.id}>
                {node.firstName} {node.lastName}
              </option>
            ))}
          </select>
          {fields.message('clientId')}
        </label>
        <label>
          {t('cm.stage')}
          <select name="stageId" {...fields.describe('stageId')}>
            {funnel.stages.map((s) => (
              <option key={s.id} value={s.id}>
                {s.name}
              </option>
            ))}
          </select>
          {fields.message('stageId')}
        </label>
        <button type="submit" disabled={moved.fetching || found.length === 0}>
          {t('cm.move')}
        </button>
        {moved.error && <Problem error={moved.error} />}
        {fields.rest()}
        {done && <p role="status">{t('rk.saved')}</p>}
      </form>
    </details>
  );
}
