// Small pieces every screen uses: loading and error notes, user errors of a payload, and
// the idempotency key of an action (the same key until the action succeeds, so a double
// click or a retry has no second effect).
import { useCallback, useState, type ReactNode } from 'react';
import type { CombinedError } from 'urql';

import { useI18n } from './i18n';

export function Loading() {
  const { t } = useI18n();
  return (
    <p role="status" className="muted">
      {t('loading')}
    </p>
  );
}

export function Problem(props: { error: CombinedError | string }) {
  const { t } = useI18n();
  const message =
    typeof props.error === 'string'
      ? props.error
      : props.error.graphQLErrors.map((e) => String(e.extensions?.code ?? e.message)).join(', ') ||
        props.error.message;
  return (
    <p role="alert" className="problem">
      {t('error', { message })}
    </p>
  );
}

export type UserErrors = ReadonlyArray<{ message: string; code: string }> | null | undefined;

export function UserErrorList(props: { errors: UserErrors }) {
  if (!props.errors?.length) return null;
  return (
    <ul role="alert" className="problem">
      {props.errors.map((e) => (
        <li key={e.code + e.message}>
          {e.message} ({e.code})
        </li>
      ))}
    </ul>
  );
}

/** A key for the next attempt of an action, and a way to start a new one after success. */
export function useIdempotencyKey(): [string, () => void] {
  const [key, setKey] = useState(() => crypto.randomUUID());
  const renew = useCallback(() => setKey(crypto.randomUUID()), []);
  return [key, renew];
}

/** A table that may scroll sideways on a phone: focusable, so a keyboard can scroll it. */
export function TableWrap(props: { label: string; children: ReactNode }) {
  return (
    <div className="table-wrap" role="region" aria-label={props.label} tabIndex={0}>
      {props.children}
    </div>
  );
}

/** "Previous" and "Next" over a connection paged forward: `pages` holds the end cursors of
 * the pages before this one (the first page has none). */
export function CursorPages(props: {
  pages: string[];
  setPages: (pages: string[]) => void;
  pageInfo: { hasNextPage: boolean; endCursor?: string | null };
}) {
  const { t } = useI18n();
  const { pages, setPages, pageInfo } = props;
  return (
    <div className="pages">
      <button type="button" className="quiet" disabled={!pages.length} onClick={() => setPages(pages.slice(0, -1))}>
        {t('clients.previous')}
      </button>
      <button
        type="button"
        className="quiet"
        disabled={!pageInfo.hasNextPage}
        onClick={() => pageInfo.endCursor && setPages([...pages, pageInfo.endCursor])}
      >
        {t('clients.next')}
      </button>
    </div>
  );
}
