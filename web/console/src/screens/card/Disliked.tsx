// Disliked services (C7): the services the client does not want, with a comment; add one,
// change its comment, remove it.
import { ConsoleAddDislikedDocument, ConsoleRemoveDislikedDocument, ConsoleUpdateDislikedDocument } from '@studio/graph';
import type { FormEvent } from 'react';
import { useMutation } from 'urql';

import { Refusals, useFieldErrors } from '../../fieldErrors';
import { useI18n } from '../../i18n';
import { Problem } from '../../ui';
import { IdOptions, nameOf, useServices } from '../pickers';
import type { CardMore } from './types';

export function Disliked({ client }: { client: CardMore }) {
  const { t, date } = useI18n();
  const services = useServices();
  const [added, add] = useMutation(ConsoleAddDislikedDocument);
  const [updated, update] = useMutation(ConsoleUpdateDislikedDocument);
  const [removed, remove] = useMutation(ConsoleRemoveDislikedDocument);
  const fields = useFieldErrors(added.data?.addDislikedService?.userErrors, ['serviceId', 'serviceName', 'comment']);
  const other = [
    ...(updated.data?.updateDislikedService?.userErrors ?? []),
    ...(removed.data?.removeDislikedService?.userErrors ?? []),
  ];

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const formElement = event.currentTarget;
    const form = new FormData(formElement);
    const comment = String(form.get('comment') ?? '').trim();
    const answer = await add({
      clientId: client.id,
      serviceId: String(form.get('serviceId') ?? '').trim(),
      serviceName: String(form.get('serviceName') ?? '').trim(),
      comment: comment || null,
    });
    if (answer.data?.addDislikedService?.client) formElement.reset();
  }

  return (
    <section className="panel" aria-labelledby="disliked-title">
      <h2 id="disliked-title">{t('cd.disliked')}</h2>
      {client.dislikedServices.length === 0 ? (
        <p className="muted">{t('cd.noDisliked')}</p>
      ) : (
        <ul className="plain">
          {client.dislikedServices.map((d) => (
            <li key={d.id}>
              <form
                className="inline"
                aria-label={d.serviceName}
                onSubmit={(event) => {
                  event.preventDefault();
                  const comment = String(new FormData(event.currentTarget).get('comment') ?? '').trim();
                  void update({ clientId: client.id, dislikedId: d.id, comment: comment || null });
                }}
              >
                <p className="full">
                  <strong>{d.serviceName}</strong> <span className="muted">· {date(d.at)}</span>
                </p>
                <label>
                  {t('cd.comment')}
                  <input name="comment" defaultValue={d.comment ?? ''} />
                </label>
                <button type="submit" className="quiet" disabled={updated.fetching}>
                  {t('save')}
                </button>
                <button
                  type="button"
                  className="quiet"
                  disabled={removed.fetching}
                  onClick={() => void remove({ clientId: client.id, dislikedId: d.id })}
                >
                  {t('cd.removeDisliked', { name: d.serviceName })}
                </button>
              </form>
            </li>
          ))}
        </ul>
      )}
      <Refusals errors={other} />
      <details>
        <summary>{t('cd.addDisliked')}</summary>
        <form className="stack" onSubmit={(e) => void submit(e)}>
          <label>
            {t('lo.serviceId')}
            <input
              name="serviceId"
              required
              list="disliked-services"
              onChange={(event) => {
                const name = nameOf(services, event.target.value);
                const named = event.target.form?.elements.namedItem('serviceName');
                if (name && named instanceof HTMLInputElement) named.value = name;
              }}
              {...fields.describe('serviceId')}
            />
            <IdOptions id="disliked-services" items={services} />
            {fields.message('serviceId')}
          </label>
          <label>
            {t('lo.serviceName')}
            <input name="serviceName" required {...fields.describe('serviceName')} />
            {fields.message('serviceName')}
          </label>
          <label>
            {t('cd.comment')}
            <input name="comment" {...fields.describe('comment')} />
            {fields.message('comment')}
          </label>
          <div>
            <button type="submit" disabled={added.fetching}>
              {t('cd.addDislikedButton')}
            </button>
          </div>
          {fields.rest()}
        </form>
      </details>
      {(added.error ?? updated.error ?? removed.error) && <Problem error={(added.error ?? updated.error ?? removed.error)!} />}
    </section>
  );
}
