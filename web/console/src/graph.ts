// The urql client: a normalized cache (graphcache, keyed by each object's global `id`; what
// a deletion removes from lists in cacheUpdates.ts),
// the token on every request (refreshed and retried once on 401), trusted documents by hash
// in production builds, and subscriptions over graphql-ws (the token in connectionParams).
import { cacheExchange } from '@urql/exchange-graphcache';
import { createClient as createWsClient } from 'graphql-ws';
import { Client, fetchExchange, subscriptionExchange } from 'urql';
import trusted from 'virtual:trusted-documents';

import { updates } from './cacheUpdates';
import { embeddedMore } from './embeddedMore';
import { gatewayOrigin, session } from './session';

// Objects without an id of their own live inside their parent in the cache.
const embedded = () => null;
const keys = Object.fromEntries(
  [
    'ClientConnection',
    'ClientEdge',
    'PageInfo',
    'Money',
    'CountWithClients',
    'CountedClientConnection',
    'CountedClientEdge',
    'LedgerConnection',
    'LedgerEdge',
    'StaffNotificationConnection',
    'StaffNotificationEdge',
    'StaffInboxUpdate',
    'RankLabels',
    'RankReportConnection',
    'RankReportEdge',
    'RankReportRow',
    'ImportRowError',
    'UserError',
    'Viewer',
    'StudioAccess',
    'ClientPayload',
    'LedgerPayload',
    'ClientRankPayload',
    'ImportClientsPayload',
    'StaffNotificationPayload',
    'PointsExpiry',
    'WeightReading',
    'Stripe',
    'ClientCardUpdate',
    'ClientCardChange',
    ...embeddedMore,
  ].map((name) => [name, embedded]),
);

const useTrustedDocuments = import.meta.env.PROD;

/** In production, a JSON operation whose name the manifest knows goes by its hash alone;
 * the gateway answers PersistedQueryNotFound for a hash it does not know (an older
 * gateway), and then the text is sent. */
async function withDocumentId(url: string, init: RequestInit, send: typeof fetch): Promise<Response> {
  if (!useTrustedDocuments || typeof init.body !== 'string') return send(url, init);
  const body = JSON.parse(init.body) as { operationName?: string; query?: string } & Record<string, unknown>;
  const hash = body.operationName ? trusted[body.operationName] : undefined;
  if (!hash) return send(url, init);
  const { query: _text, ...rest } = body;
  const byHash = await send(url, { ...init, body: JSON.stringify({ ...rest, documentId: hash }) });
  if (!byHash.ok) return send(url, init);
  const answer = (await byHash.clone().json().catch(() => null)) as { errors?: { message?: string }[] } | null;
  if (answer?.errors?.some((e) => e.message === 'PersistedQueryNotFound')) return send(url, init);
  return byHash;
}

async function authorizedFetch(input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> {
  const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
  const attempt = async (token: string | null) => {
    const headers = new Headers(init.headers);
    if (token) headers.set('authorization', `Bearer ${token}`);
    return withDocumentId(url, { ...init, headers }, fetch);
  };
  const first = await attempt(await session.accessToken());
  if (first.status !== 401) return first;
  const renewed = await session.refresh();
  return renewed ? attempt(renewed.access) : first;
}

export function makeClient(): Client {
  const ws = createWsClient({
    url: `${gatewayOrigin().replace(/^http/, 'ws')}/graphql`,
    lazy: true,
    retryAttempts: 5,
    connectionParams: async () => {
      const token = await session.accessToken();
      return token ? { authorization: `Bearer ${token}` } : {};
    },
  });
  return new Client({
    url: `${gatewayOrigin()}/graphql`,
    fetch: authorizedFetch,
    preferGetMethod: false,
    exchanges: [
      cacheExchange({ keys, updates }),
      fetchExchange,
      subscriptionExchange({
        forwardSubscription(request) {
          const input = { ...request, query: request.query ?? '' };
          return {
            subscribe(sink) {
              const dispose = ws.subscribe(input, sink);
              return { unsubscribe: dispose };
            },
          };
        },
      }),
    ],
  });
}
