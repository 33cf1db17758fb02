// The subscribers of bench/live_updates.py, as separate clients would be: N subscriptions
// through the gateway with the libraries a frontend uses (graphql-sse in distinct
// connections mode, graphql-ws with the token in connectionParams, each on its own
// connection), half and half. Prints `{"ready": N}` once every subscription has its
// STARTED, then stamps each inbox payload with the wall clock (milliseconds) as the
// client library hands it over; on stdin's end prints `{"arrivals": {"<event>": [ms…]}}`
// (the event's number is read from the notification's message, "bench <number>").
//   GATEWAY_URL=… TOKENS=<token>,<token>… SUBSCRIPTIONS=1000 node bench/live_readers.mjs
// Subscription i uses token i modulo their number (the gateway holds at most
// LIVE_MAX_SUBSCRIPTIONS_PER_CALLER open per caller: 256 by default).
import { createRequire } from 'node:module';

const require = createRequire(new URL('../web/package.json', import.meta.url));
const { createClient: sseClient } = require('graphql-sse');
const { createClient: wsClient } = require('graphql-ws');
const WebSocket = require('ws');

const url = process.env.GATEWAY_URL ?? 'http://127.0.0.1:4000/graphql';
const tokens = (process.env.TOKENS ?? '').split(',').filter(Boolean);
const count = Number(process.env.SUBSCRIPTIONS ?? 100);
const query = process.env.QUERY ?? 'subscription { staffInbox { kind notification { id message } } }';
const openAtOnce = 50;
if (tokens.length === 0) throw new Error('set TOKENS');

const now = () => performance.timeOrigin + performance.now();
const arrivals = {};
const print = (line) => process.stdout.write(`${JSON.stringify(line)}\n`);

function open(index) {
  const token = tokens[index % tokens.length];
  return new Promise((started) => {
    const sink = {
      next: (payload) => {
        const update = payload?.data?.staffInbox;
        if (update?.kind === 'STARTED') return started();
        const number = /bench (\d+)/.exec(update?.notification?.message ?? '')?.[1];
        if (number !== undefined) (arrivals[number] ??= []).push(now());
      },
      error: (error) => print({ error: String(error?.message ?? error?.reason ?? error) }),
      complete: () => undefined,
    };
    if (index % 2 === 0) {
      sseClient({ url, singleConnection: false, headers: { authorization: `Bearer ${token}` } }).subscribe({ query }, sink);
    } else {
      wsClient({
        url: url.replace(/^http/, 'ws'),
        webSocketImpl: WebSocket,
        connectionParams: { authorization: `Bearer ${token}` },
        retryAttempts: 0,
      }).subscribe({ query }, sink);
    }
  });
}

for (let start = 0; start < count; start += openAtOnce) {
  const batch = [];
  for (let index = start; index < Math.min(count, start + openAtOnce); index += 1) batch.push(open(index));
  await Promise.all(batch);
}
print({ ready: count });
process.stdin.resume();
process.stdin.on('end', () => {
  // Written before exiting: a pipe is written asynchronously.
  process.stdout.write(`${JSON.stringify({ arrivals })}\n`, () => process.exit(0));
});
