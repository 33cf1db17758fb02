// Documents (C6): upload (visible to the client or not), show or hide one to the client later,
// preview an image or a PDF in place, download by its short-lived link, delete with a
// confirmation.
import {
  ConsoleDeleteDocumentDocument,
  ConsoleSetDocumentVisibilityDocument,
  ConsoleUploadDocumentDocument,
} from '@studio/graph';
import { useState, type FormEvent } from 'react';
import { useMutation } from 'urql';

import { Refusals, useFieldErrors } from '../../fieldErrors';
import { useI18n } from '../../i18n';
import { Problem } from '../../ui';
import type { CardMore } from './types';

const ACCEPT = '.pdf,.jpg,.jpeg,.png,.webp,.heic,.txt,.doc,.docx';

function size(bytes: number, number: (n: number) => string): string {
  return bytes >= 1_048_576 ? `${number(Math.round(bytes / 104_857.6) / 10)} MB` : `${number(Math.ceil(bytes / 1024))} KB`;
}

export function Documents({ client }: { client: CardMore }) {
  const { t, date, number } = useI18n();
  const [uploaded, upload] = useMutation(ConsoleUploadDocumentDocument);
  const [deleted, remove] = useMutation(ConsoleDeleteDocumentDocument);
  const [shown, show] = useMutation(ConsoleSetDocumentVisibilityDocument);
  const fields = useFieldErrors(uploaded.data?.uploadDocument?.userErrors, ['type', 'file', 'visibleToClient']);
  const [preview, setPreview] = useState<string | null>(null);
  const [done, setDone] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setDone(false);
    const formElement = event.currentTarget;
    const form = new FormData(formElement);
    const file = form.get('file');
    if (!(file instanceof File) || file.size === 0) return;
    const answer = await upload({
      clientId: client.id,
      type: String(form.get('type') ?? '').trim(),
      file,
      visibleToClient: form.get('visibleToClient') === 'on',
    });
    if (answer.data?.uploadDocument?.client) {
      formElement.reset();
      setDone(true);
    }
  }

  return (
    <section className="panel" aria-labelledby="documents-title">
      <h2 id="documents-title">{t('cd.documents')}</h2>
      {client.documents.length === 0 ? (
        <p className="muted">{t('cd.noDocuments')}</p>
      ) : (
        <ul className="plain">
          {client.documents.map((doc) => {
            const previewable = doc.contentType.startsWith('image/') || doc.contentType === 'application/pdf';
            return (
              <li key={doc.id}>
                <p>
                  <strong>{doc.fileName}</strong> <span className="muted">· {doc.type}</span>
                </p>
                <p className="muted">
                  {date(doc.uploadedAt)} · {size(doc.sizeBytes, number)} ·{' '}
                  {doc.visibleToClient ? t('cd.visibleToClient') : t('cd.staffOnly')}
                </p>
                <div className="actions">
                  <label className="check">
                    <input
                      type="checkbox"
                      checked={doc.visibleToClient}
                      disabled={shown.fetching}
                      onChange={(event) =>
                        void show({ clientId: client.id, documentId: doc.id, visibleToClient: event.target.checked })
                      }
                    />
                    {t('doc.showToClient', { name: doc.fileName })}
                  </label>
                  {previewable && (
                    <button
                      type="button"
                      className="quiet"
                      aria-expanded={preview === doc.id}
                      onClick={() => setPreview(preview === doc.id ? null : doc.id)}
                    >
                      {t('cd.preview', { name: doc.fileName })}
                    </button>
                  )}
                  <a className="button quiet" href={doc.downloadUrl} download={doc.fileName} rel="noopener">
                    {t('cd.download', { name: doc.fileName })}
                  </a>
                  <button
                    type="button"
                    className="quiet"
                    disabled={deleted.fetching}
                    onClick={() => {
                      if (window.confirm(t('cd.deleteConfirm', { name: doc.fileName }))) {
                        void remove({ clientId: client.id, documentId: doc.id });
                      }
                    }}
                  >
                    {t('cd.delete', { name: doc.fileName })}
                  </button>
                </div>
                {preview === doc.id &&
                  (doc.contentType.startsWith('image/') ? (
                    <img className="preview" src={doc.downloadUrl} alt={doc.fileName} />
                  ) : (
                    <iframe className="preview" src={doc.downloadUrl} title={doc.fileName} />
                  ))}
              </li>
            );
          })}
        </ul>
      )}
      <Refusals errors={shown.data?.setDocumentVisibility?.userErrors} />
      <Refusals errors={deleted.data?.deleteDocument?.userErrors} />
      <h3>{t('cd.upload')}</h3>
      <form className="stack" onSubmit={(e) => void submit(e)}>
        <label>
          {t('cd.docType')}
          <input name="type" required list="document-types" {...fields.describe('type')} />
          <datalist id="document-types">
            <option value={t('cd.docType.consent')} />
            <option value={t('cd.docType.medical')} />
            <option value={t('cd.docType.id')} />
          </datalist>
          {fields.message('type')}
        </label>
        <label>
          {t('cd.file')}
          <input name="file" type="file" required accept={ACCEPT} {...fields.describe('file')} />
          {fields.message('file')}
        </label>
        <label className="check">
          <input type="checkbox" name="visibleToClient" />
          {t('cd.visibleToClientSwitch')}
        </label>
        <div>
          <button type="submit" disabled={uploaded.fetching} aria-busy={uploaded.fetching}>
            {t('cd.uploadButton')}
          </button>
        </div>
        {(uploaded.error ?? deleted.error ?? shown.error) && <Problem error={(uploaded.error ?? deleted.error ?? shown.error)!} />}
        {fields.rest()}
        {done && <p role="status">{t('cd.uploaded')}</p>}
      </form>
    </section>
  );
}
