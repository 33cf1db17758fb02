// The console's first load and time to data (issue: first load < 250 KB of compressed JS,
// every screen's data within 1 s on the local stack). Not part of `make bench` (a browser).
//   node bench/console.mjs [CONSOLE_URL] [EMAIL] [PASSWORD]
//   FIRST_LOAD_ONLY=1 node bench/console.mjs URL   the first load alone (no gateway needed)
// Defaults: http://localhost:5173, the demo owner. Needs the stack up with the demo studio.
// First load: the JavaScript index.html loads before anything is shown (its module and
// what it preloads), as the server sends it (brotli). Time to data: from navigation (a full
// page load, the session already signed in) to the screen's data on the page, median of 5.
import { createRequire } from 'node:module';
import { resolve } from 'node:path';

const require = createRequire(resolve('web/console/package.json'));
const { chromium } = require('playwright-core');

const url = (process.argv[2] ?? 'http://localhost:5173').replace(/\/$/, '');
const email = process.argv[3] ?? 'owner@demo.studio';
const password = process.argv[4] ?? 'demo-studio-password';

async function firstLoadJs() {
  const html = await (await fetch(`${url}/`)).text();
  const scripts = [...html.matchAll(/<(?:script[^>]+src|link[^>]+rel="modulepreload"[^>]+href)="([^"]+\.js)"/g)].map((m) => m[1]);
  let compressed = 0;
  let raw = 0;
  for (const path of new Set(scripts)) {
    const answer = await fetch(`${url}${path}`, { headers: { 'accept-encoding': 'br' } });
    compressed += Number(answer.headers.get('content-length'));
    raw += (await answer.arrayBuffer()).byteLength; // fetch decodes: this is the raw size
  }
  return { scripts: scripts.length, compressedKB: compressed / 1024, rawKB: raw / 1024 };
}

const SCREENS = [
  ['clients', '/clients', 'tbody tr'],
  ['card', null, '.balance'],
  ['crm', '/crm', 'dl.totals'],
  ['inbox', '/inbox', 'ul.inbox li, main p:not(.muted)'],
  ['ranks', '/ranks', 'ol.rank-list li'],
  ['loyalty', '/loyalty', 'input[name=earnPercent]'],
  ['templates', '/templates', 'form textarea'],
];

if (process.env.FIRST_LOAD_ONLY) {
  console.log(JSON.stringify({ firstLoad: await firstLoadJs() }, null, 1));
  process.exit(0);
}

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
const page = await browser.newPage();
await page.goto(url);
await page.getByLabel('E-mail').fill(email);
await page.getByLabel('Password', { exact: true }).fill(password);
await page.getByRole('button', { name: 'Sign in' }).click();
await page.locator('tbody tr').first().waitFor();
const cardPath = new URL(await page.locator('tbody a').first().evaluate((a) => a.href)).pathname;

const rows = [];
for (const [name, path, selector] of SCREENS) {
  const times = [];
  for (let i = 0; i < 5; i++) {
    const start = Date.now();
    await page.goto(`${url}${path ?? cardPath}`);
    await page.locator(selector).first().waitFor({ timeout: 10_000 });
    times.push(Date.now() - start);
  }
  times.sort((a, b) => a - b);
  rows.push({ screen: name, medianMs: times[2], maxMs: times[4] });
}
await browser.close();
console.log(JSON.stringify({ firstLoad: await firstLoadJs(), timeToData: rows }, null, 1));
