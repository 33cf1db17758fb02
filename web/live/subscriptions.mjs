// Opens one subscription over graphql-sse (distinct connections, the token in the
// Authorization header) and the same over graphql-ws (the token in connectionParams, as a
// browser sends it), both through the gateway, and prints every payload as one JSON line
// `{"via": "sse"|"ws", "payload": …}`; `{"via": …, "done": true}` when one ends,
// `{"via": "ws", "closed": {"code", "reason"}}` when the gateway closes the WebSocket.
// Used by tests/e2e/test_live_updates_node.py:
//   GATEWAY_URL=… TOKEN=… CLIENT_ID=… node web/live/subscriptions.mjs        (a client card)
//   GATEWAY_URL=… TOKEN=… QUERY='subscription { … }' [VARIABLES='{…}'] node web/live/subscriptions.mjs
// ONLY=sse or ONLY=ws opens one of the two.
import { createClient as sseClient } from 'graphql-sse';
import { createClient as wsClient } from 'graphql-ws';
import WebSocket from 'ws';

const url = process.env.GATEWAY_URL ?? 'http://127.0.0.1:4000/graphql';
const token = process.env.TOKEN;
const clientId = process.env.CLIENT_ID;
if (token === undefined || (!clientId && !process.env.QUERY)) {
  throw new Error('set TOKEN, and CLIENT_ID or QUERY');
}

const query =
  process.env.QUERY ??
  `subscription Card($id: ID!) {
  clientCard(clientId: $id) { kind change { area pointsBalance } }
}`;
const variables = process.env.QUERY ? JSON.parse(process.env.VARIABLES ?? '{}') : { id: clientId };
const only = process.env.ONLY;
const print = (line) => process.stdout.write(`${JSON.stringify(line)}\n`);

function follow(via, client) {
  if (only && only !== via) return;
  client.subscribe(
    { query, variables },
    {
      next: (payload) => print({ via, payload }),
      error: (error) =>
        print({
          via,
          error: String(error?.message ?? error?.reason ?? JSON.stringify(error)),
          code: error?.code,
        }),
      complete: () => print({ via, done: true }),
    },
  );
}

follow('sse', sseClient({ url, singleConnection: false, headers: { authorization: `Bearer ${token}` } }));
follow(
  'ws',
  wsClient({
    url: url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${token}` },
    // A closed connection is reported, not retried: the tests read why it closed. The
    // connection is kept a moment after its last subscription ends (by default the client
    // closes it at once), so that the gateway's close and its code are seen.
    retryAttempts: 0,
    lazyCloseTimeout: 1000,
    on: { closed: (event) => print({ via: 'ws', closed: { code: event?.code, reason: event?.reason } }) },
  }),
);
