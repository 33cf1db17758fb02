// The CSV import (C1, C10): upload the file, follow the job's progress, then the rows
// refused, each with its line number and why.
import { ConsoleImportClientsDocument, ConsoleImportJobDocument } from '@studio/graph';
import { useEffect, useState, type FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';

import { useI18n } from '../i18n';
import { Link } from '../router';
import { Problem, UserErrorList, TableWrap } from '../ui';

export default function ImportClients() {
  const { t } = useI18n();
  const [upload, start] = useMutation(ConsoleImportClientsDocument);
  const [jobId, setJobId] = useState<string | null>(null);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const file = new FormData(event.currentTarget).get('file');
    if (!(file instanceof File) || file.size === 0) return;
    const answer = await start({ file });
    const job = answer.data?.importClients?.job;
    if (job) setJobId(job.id);
  }

  return (
    <section aria-labelledby="import-title">
      <p>
        <Link href="/clients">← {t('card.back')}</Link>
      </p>
      <h1 id="import-title">{t('import.title')}</h1>
      <form className="inline" onSubmit={(event) => void submit(event)}>
        <label>
          {t('import.file')}
          <input name="file" type="file" accept=".csv,text/csv" required />
        </label>
        <button type="submit" disabled={upload.fetching}>
          {t('import.start')}
        </button>
      </form>
      {upload.error && <Problem error={upload.error} />}
      <UserErrorList errors={upload.data?.importClients?.userErrors} />
      {jobId && <Progress id={jobId} />}
    </section>
  );
}

function Progress(props: { id: string }) {
  const { t } = useI18n();
  const [{ data, error }, refetch] = useQuery({
    query: ConsoleImportJobDocument,
    variables: { id: props.id },
    requestPolicy: 'network-only',
  });
  const job = data?.importJob;
  const running = !job || job.status === 'RUNNING';
  useEffect(() => {
    if (!running) return;
    const timer = window.setTimeout(() => refetch({ requestPolicy: 'network-only' }), 500);
    return () => window.clearTimeout(timer);
  }, [running, data, refetch]);
  if (error) return <Problem error={error} />;
  if (!job) return null;
  return (
    <div className="panel" aria-live="polite">
      <progress max={Math.max(job.total, 1)} value={job.processed} aria-label={t('import.title')} />
      <p role="status">
        {job.status === 'RUNNING'
          ? t('import.progress', { processed: job.processed, total: job.total })
          : job.status === 'FAILED'
            ? t('import.failed', { failure: job.failure ?? '' })
            : t('import.done', { created: job.created, duplicates: job.duplicates, errors: job.errors.length })}
      </p>
      {job.errors.length > 0 && (
        <TableWrap label={t('import.report')}>
          <table>
            <caption>{t('import.report')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('import.row')}</th>
                <th scope="col">{t('import.problem')}</th>
              </tr>
            </thead>
            <tbody>
              {job.errors.map((row) => (
                <tr key={`${row.row}-${row.message}`}>
                  <td>{row.row}</td>
                  <td>{row.message}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
    </div>
  );
}
