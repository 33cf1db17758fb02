// Opens one client card subscription over graphql-sse (distinct connections, the token in
// the Authorization header) and one over graphql-ws (the token in connectionParams, as a
// browser sends it), both through the gateway, and prints every payload as one JSON line
// `{"via": "sse"|"ws", "payload": …}`; `{"via": …, "done": true}` when one ends.
// Used by tests/e2e/test_live_updates_node.py:
//   GATEWAY_URL=… TOKEN=… CLIENT_ID=… node web/live/subscriptions.mjs
import { createClient as sseClient } from 'graphql-sse';
import { createClient as wsClient } from 'graphql-ws';
import WebSocket from 'ws';

const url = process.env.GATEWAY_URL ?? 'http://127.0.0.1:4000/graphql';
const token = process.env.TOKEN;
const clientId = process.env.CLIENT_ID;
if (!token || !clientId) throw new Error('set TOKEN and CLIENT_ID');

const query = `subscription Card($id: ID!) {
  clientCard(clientId: $id) { kind change { area pointsBalance } }
}`;
const print = (line) => process.stdout.write(`${JSON.stringify(line)}\n`);

function follow(via, client) {
  client.subscribe(
    { query, variables: { id: clientId } },
    {
      next: (payload) => print({ via, payload }),
      error: (error) => print({ via, error: String(error?.message ?? JSON.stringify(error)) }),
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
  }),
);
