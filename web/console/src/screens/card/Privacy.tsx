// Export and erase (C12): the card as a JSON file; erasing every personal datum of the
// client, here and in every service, once the name is typed to confirm.
import { ConsoleClientExportDocument, ConsoleEraseClientDocument } from '@studio/graph';
import { useState, type FormEvent } from 'react';
import { useClient, useMutation } from 'urql';

import { useFieldErrors } from '../../fieldErrors';
import { useI18n } from '../../i18n';
import { Problem, useIdempotencyKey } from '../../ui';
import type { CardMore } from './types';

export function Privacy({ client }: { client: CardMore }) {
  const { t } = useI18n();
  const urql = useClient();
  const [exporting, setExporting] = useState(false);
  const [exportProblem, setExportProblem] = useState<string | null>(null);
  const [key] = useIdempotencyKey();
  const [erased, erase] = useMutation(ConsoleEraseClientDocument);
  const fields = useFieldErrors(erased.data?.eraseClient?.userErrors, ['id', 'confirm']);
  const [typed, setTyped] = useState('');
  const name = `${client.firstName} ${client.lastName}`.trim();
  const confirmed = typed.trim().toLocaleLowerCase() === name.toLocaleLowerCase();

  async function download() {
    setExporting(true);
    setExportProblem(null);
    const answer = await urql.query(ConsoleClientExportDocument, { id: client.id }, { requestPolicy: 'network-only' }).toPromise();
    setExporting(false);
    const text = answer.data?.clientExport;
    if (!text) {
      setExportProblem(answer.error?.message ?? t('cd.exportEmpty'));
      return;
    }
    const url = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
    const link = document.createElement('a');
    link.href = url;
    link.download = `client-${client.id}.json`;
    link.click();
    URL.revokeObjectURL(url);
  }

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!confirmed) return;
    // The same key for every attempt: a second click or a retry erases once.
    await erase({ id: client.id, idempotencyKey: key });
  }

  const done = erased.data?.eraseClient?.client;
  return (
    <section className="panel" aria-labelledby="privacy-title">
      <h2 id="privacy-title">{t('cd.privacy')}</h2>
      <p>
        <button type="button" className="quiet" onClick={() => void download()} disabled={exporting} aria-busy={exporting}>
          {t('cd.export')}
        </button>
      </p>
      {exportProblem && <Problem error={exportProblem} />}
      <details>
        <summary>{t('cd.erase')}</summary>
        <p>{t('cd.eraseWarning')}</p>
        <form className="stack" onSubmit={(e) => void submit(e)}>
          <label>
            {t('cd.eraseConfirm', { name })}
            <input value={typed} onChange={(e) => setTyped(e.target.value)} autoComplete="off" {...fields.describe('confirm')} />
            {fields.message('confirm')}
          </label>
          <div>
            <button type="submit" className="danger" disabled={!confirmed || erased.fetching}>
              {t('cd.eraseButton', { name })}
            </button>
          </div>
          {erased.error && <Problem error={erased.error} />}
          {fields.rest()}
          {done && <p role="status">{t('cd.erased')}</p>}
        </form>
      </details>
    </section>
  );
}
