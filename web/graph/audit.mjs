#!/usr/bin/env node
// The GraphQL-over-HTTP audit (graphql-http's `auditServer`) against a running gateway.
//   node audit.mjs <url> <token>
// Prints one JSON line per audit: {id, name, status: "ok" | "warn" | "error", reason}.
// The token goes on every request: the gateway answers nothing without one.
import { auditServer } from 'graphql-http';

const [url, token] = process.argv.slice(2);
if (!url || !token) {
  console.error('usage: node audit.mjs <url> <token>');
  process.exit(2);
}

const results = await auditServer({
  url,
  fetchFn: (input, init = {}) => {
    const headers = new Headers(init.headers);
    headers.set('authorization', `Bearer ${token}`);
    return fetch(input, { ...init, headers });
  },
});
for (const result of results) {
  const line = { id: result.id, name: result.name, status: result.status };
  if (result.status !== 'ok') line.reason = result.reason;
  console.log(JSON.stringify(line));
}
