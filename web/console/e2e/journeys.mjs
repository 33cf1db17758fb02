// The console's browser journeys: playwright-core driving Debian's chromium, axe-core on
// every screen, a screenshot of each into SCREENSHOTS. Driven by tests/e2e/test_console.py,
// which makes the studio (a fresh tenant), its people and clients, and passes them as JSON in
// JOURNEY (`url`: the console, `gateway`: the gateway its config.js must name). Speaks JSON
// lines on stdout; waits for "go" on stdin once the card listens (while the test records a
// purchase that earns points) and once the inbox listens (while it records the visits that
// make a client eligible).
//   JOURNEY='{"url": …, "gateway": …, "people": {"en": {"email", "password"}, …}, …}' node e2e/journeys.mjs
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

import { chromium } from 'playwright-core';

import { crmJourney, loyaltyJourney, ranksJourney, templatesJourney } from './settings.mjs';

const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const given = JSON.parse(process.env.JOURNEY ?? '{}');
const shots = process.env.SCREENSHOTS ?? '';
const WAIT = 20_000;
const started = Date.now();
const violations = [];

const say = (line) => process.stdout.write(`${JSON.stringify({ ...line, ms: Date.now() - started })}\n`);
const stdin = createInterface({ input: process.stdin });
const nextLine = () => new Promise((resolve) => stdin.once('line', resolve));

// The contexts bypass the page's Content-Security-Policy (serve.mjs allows no inline
// script) only so that axe-core can be injected; the console itself runs under it.

/** axe-core on the page as it is; serious and critical violations are kept for the end. */
async function audit(page, screen) {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ content: AXE });
  const found = await page.evaluate(async () => {
    const result = await window.axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(' ')) }));
  });
  for (const v of found.filter((v) => v.impact === 'serious' || v.impact === 'critical')) {
    violations.push({ screen, ...v });
  }
}

/** At a phone's width nothing may stick out sideways (the page would scroll sideways). */
async function fits(page, screen) {
  const [wide, room] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
  if (wide > room) violations.push({ screen, id: 'wider-than-the-screen', impact: 'serious', nodes: [`${wide} px in ${room} px`] });
}

async function screen(page, name, { picture = true } = {}) {
  await audit(page, name);
  if ((page.viewportSize()?.width ?? 1280) < 500) await fits(page, name);
  if (shots && picture) await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
  say({ screen: name });
}

async function signIn(page, person, words) {
  await page.goto(given.url);
  await page.getByLabel(words.email).fill(person.email);
  await page.getByLabel(words.password, { exact: true }).fill(person.password);
  await page.getByRole('button', { name: words.signIn }).click();
  // Checking a password is slow on purpose; several sign-ins at once on a busy machine more so.
  await page.getByRole('heading', { level: 1, name: words.clients }).waitFor({ timeout: 60_000 });
}

const nav = (page, name) => page.getByRole('navigation').getByRole('link', { name, exact: true }).click();

async function englishJourney(browser) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US', bypassCSP: true });
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT);
  const { en } = given.people;
  await page.goto(given.url);
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  await screen(page, 'sign-in');
  await signIn(page, en, { email: 'E-mail', password: 'Password', signIn: 'Sign in', clients: 'Clients' });
  // The page calls the gateway the test drives (serve.mjs's /config.js names it).
  const named = await page.evaluate(() => window.STUDIO_GATEWAY);
  const host = (url) => String(url).replace('127.0.0.1', 'localhost').replace(/\/$/, '');
  if (given.gateway && host(named) !== host(given.gateway)) {
    throw new Error(`the console calls ${named}, the test drives ${given.gateway}`);
  }

  // Find a client: the status filter, cursor pages of ten, then a search by name.
  await page.getByLabel('Status').selectOption('ACTIVE');
  await page.getByRole('button', { name: 'Search' }).click();
  await page.getByText(`${given.active} clients`).waitFor();
  await expectCount(page.locator('tbody tr'), 10);
  await page.getByRole('button', { name: 'Next page' }).click();
  await page.getByText('Page 2').waitFor();
  await expectCount(page.locator('tbody tr'), given.active - 10);
  await page.getByRole('button', { name: 'Previous page' }).click();
  await page.getByText('Page 1').waitFor();
  await page.getByLabel('Search by name').fill(given.ana.last);
  await page.getByRole('button', { name: 'Search' }).click();
  await page.getByText('1 clients').waitFor();
  await screen(page, 'clients');

  // The card: each rank action by double click (one effect each), points granted, redeemed,
  // earned by a purchase the shop records meanwhile (arriving live, with its timeline line)
  // and used to pay an invoice.
  await page.getByRole('link', { name: `${given.ana.first} ${given.ana.last}` }).click();
  await page.getByRole('heading', { level: 1, name: new RegExp(given.ana.first) }).waitFor();
  await page.getByText('White', { exact: true }).waitFor();
  await page.getByRole('button', { name: 'Promote to Yellow' }).dblclick();
  await page.getByRole('status').filter({ hasText: 'Promoted to Yellow.' }).waitFor();
  await page.getByRole('button', { name: 'Award stripe 1' }).dblclick();
  await page.getByText('Stripes: 1').waitFor();
  await page.getByRole('button', { name: 'Take back a stripe' }).dblclick();
  await page.getByRole('button', { name: 'Award stripe 1' }).waitFor();
  await page.getByRole('button', { name: 'Demote' }).dblclick();
  await page.getByRole('status').filter({ hasText: 'Demoted to White.' }).waitFor();
  await page.getByRole('button', { name: 'Promote to Yellow' }).click();
  await page.getByRole('button', { name: 'Promote to Orange' }).waitFor();
  await expectCount(page.getByRole('region', { name: 'History' }).locator('tbody tr'), 6);
  await page.getByRole('spinbutton', { name: 'Points' }).fill('50');
  await page.getByLabel('Note').fill('Welcome gift');
  await page.getByRole('button', { name: 'Grant' }).click();
  await page.getByText('Balance: 50 points').waitFor();
  await page.getByRole('cell', { name: 'Welcome gift' }).waitFor();
  await page.getByText(/^50 points expire on/).waitFor();
  await page.getByRole('spinbutton', { name: 'Points' }).fill('20');
  await page.getByLabel('Note').fill('Paid a class');
  await page.getByRole('button', { name: 'Redeem' }).click();
  await page.getByText('Balance: 30 points').waitFor();
  await page.getByRole('cell', { name: 'Paid a class' }).waitFor();
  await page.locator('[data-live=listening]').waitFor();
  say({ ready: 'card' });
  await nextLine();
  await page.getByText('Balance: 37 points').waitFor();
  await page.getByRole('cell', { name: /invoice SHOP-/ }).waitFor();
  await page.getByRole('region', { name: 'Timeline' }).getByText(/SHOP-/).first().waitFor();
  await page.getByText('Pay an invoice with points').click();
  await page.getByLabel('Invoice number').fill('INV-1');
  await page.getByLabel('Amount to pay').fill('1.00');
  await page.getByRole('button', { name: 'Pay with points' }).click();
  await page.getByRole('status').filter({ hasText: '10 points used for the invoice.' }).waitFor();
  await page.getByText('Balance: 27 points').waitFor();
  await screen(page, 'card');
  say({ promoted: 'Yellow', balance: 27 });

  // The further filters: birthday today, then branch, rank and a points range.
  await page.goto(`${given.url}/clients?birthday=today`);
  await page.getByRole('link', { name: `${given.cleo.first} ${given.cleo.last}` }).waitFor();
  await page.getByText('1 clients').waitFor();
  await page.getByLabel('Birthday').selectOption('');
  await page.getByLabel('Branch').selectOption({ label: given.branch });
  await page.getByRole('combobox', { name: /^Rank/ }).selectOption({ label: 'Yellow' });
  await page.getByLabel('Points from').fill('20');
  await page.getByLabel('Points up to').fill('40');
  await page.getByRole('button', { name: 'Search' }).click();
  await page.getByText('1 clients').waitFor();
  await page.getByRole('link', { name: `${given.ana.first} ${given.ana.last}` }).waitFor();
  await screen(page, 'clients-filtered');

  // The CSV import: progress, then the per-row report.
  await nav(page, 'Clients');
  await page.getByRole('link', { name: 'Import a CSV' }).click();
  await page.locator('input[type=file]').setInputFiles(given.csv);
  await page.getByRole('button', { name: 'Import', exact: true }).click();
  await page.getByText(/Import finished: 2 created/).waitFor();
  await page.getByRole('table').getByRole('cell', { name: String(given.badRow), exact: true }).waitFor();
  await screen(page, 'import');

  await addClient(page);

  await nav(page, 'CRM');
  const booked = page.getByRole('region', { name: 'Booked today' });
  await booked.getByRole('link', { name: `${given.ana.first} ${given.ana.last}` }).waitFor();
  await page.getByRole('heading', { name: 'Totals' }).waitFor();
  await screen(page, 'crm');

  await nav(page, 'Ranks');
  await page.getByRole('heading', { level: 1, name: 'Belt tracking' }).waitFor();
  await page.getByRole('cell', { name: 'Yellow', exact: true }).waitFor();
  await screen(page, 'ranks');

  await nav(page, 'Loyalty');
  await page.getByText('Points last (days)').first().waitFor();
  await screen(page, 'loyalty');

  // The inbox, live: the entry arrives over the subscription, without a reload.
  const listening = new Promise((resolve) => {
    page.on('websocket', (socket) =>
      socket.on('framereceived', ({ payload }) => String(payload).includes('STARTED') && resolve(true)),
    );
  });
  await nav(page, 'Inbox');
  await page.getByRole('heading', { level: 1, name: 'Inbox' }).waitFor();
  await listening;
  say({ ready: 'inbox' });
  await nextLine();
  await page.getByRole('link', { name: `${given.bea.first} ${given.bea.last}` }).waitFor({ timeout: 60_000 });
  await screen(page, 'inbox');
  say({ live: 'inbox' });
  const entry = page.locator('ul.inbox li').filter({ hasText: `${given.bea.first} ${given.bea.last}` }).first();
  await entry.getByRole('button', { name: 'Mark as read' }).click();
  await entry.getByText('Read', { exact: true }).waitFor();

  // A person of two studios switches to the other (no new sign-in) and back.
  const [first, second] = given.studios;
  await page.getByRole('combobox', { name: /^Studio/ }).selectOption(second);
  await page.getByText('0 clients').waitFor();
  await screen(page, 'studios');
  await page.getByRole('combobox', { name: /^Studio/ }).selectOption(first);
  await page.getByText(`${given.active + 5} clients`).waitFor();
  await context.close();
}

/**
 * Add a client: the studio's required custom field is marked and the browser asks for it;
 * spaces only, the graph refuses it by that field; filled, the card is made and opens.
 */
async function addClient(page) {
  const { first, last } = given.newClient;
  await nav(page, 'Clients');
  const panel = page.locator('details').filter({ hasText: 'Add a client' });
  await panel.getByText('Add a client').click();
  const size = panel.getByLabel(given.requiredField);
  await panel.locator('label').filter({ hasText: given.requiredField }).getByText('(required)').waitFor();
  await panel.getByLabel('First name').fill(first);
  await panel.getByLabel('Last name').fill(last);
  await panel.getByRole('button', { name: 'Save' }).click();
  if (!(await size.evaluate((input) => input.required && input.validity.valueMissing))) {
    throw new Error(`${given.requiredField} is not asked for by the browser`);
  }
  await size.fill('   ');
  await panel.getByRole('button', { name: 'Save' }).click();
  await panel.getByRole('alert').filter({ hasText: 'This is required.' }).waitFor();
  if ((await size.getAttribute('aria-invalid')) !== 'true') {
    throw new Error(`the refusal does not name ${given.requiredField}`);
  }
  await screen(page, 'new-card');
  await size.fill('M');
  await panel.getByRole('button', { name: 'Save' }).click();
  await panel.getByRole('status').filter({ hasText: `${first} ${last} was added.` }).waitFor();
  await page.getByText(`${given.active + 5} clients`).waitFor();
  await panel.getByRole('link', { name: 'Open the card' }).click();
  await page.getByRole('heading', { level: 1, name: new RegExp(last) }).waitFor();
  await expectValue(page.getByLabel(given.requiredField), 'M');
}

const WORDS = {
  es: {
    email: 'Correo electrónico', password: 'Contraseña', signIn: 'Entrar', clients: 'Clientes',
    ranks: 'Rangos', tracking: 'Seguimiento de cinturones', loyalty: 'Fidelización', crm: 'CRM', inbox: 'Bandeja',
    inboxTitle: 'Bandeja de entrada', balance: 'Saldo: 27 puntos', crmTitle: 'Resumen CRM', program: 'Programa de puntos activo',
  },
  it: {
    email: 'E-mail', password: 'Password', signIn: 'Accedi', clients: 'Clienti',
    ranks: 'Livelli', tracking: 'Monitoraggio cinture', loyalty: 'Fedeltà', crm: 'CRM', inbox: 'Posta',
    inboxTitle: 'Posta in arrivo', balance: 'Saldo: 27 punti', crmTitle: 'Riepilogo CRM', program: 'Programma punti attivo',
  },
};

/** The same screens in another language, signed in as a person who speaks it. */
async function translatedJourney(browser, language, viewport, suffix = `-${language}`) {
  const pictures = { picture: suffix === `-${language}` };
  const words = WORDS[language];
  // The browser's own language is English: the console follows the person, not the browser.
  const context = await browser.newContext({ viewport, locale: 'en-US', bypassCSP: true });
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT);
  await page.goto(given.url);
  // Signed out, the page speaks the browser's language; the switch changes it.
  await page.getByLabel('Language').selectOption(language);
  await signIn(page, given.people[language], words);
  await page.goto(`${given.url}/clients?q=${encodeURIComponent(given.ana.last)}`);
  await page.getByRole('link', { name: `${given.ana.first} ${given.ana.last}` }).waitFor();
  await screen(page, `clients${suffix}`, pictures);
  await page.getByRole('link', { name: `${given.ana.first} ${given.ana.last}` }).click();
  await page.getByText(words.balance).waitFor();
  await page.getByRole('heading', { name: words.tracking }).waitFor();
  await screen(page, `card${suffix}`, pictures);
  await nav(page, words.crm);
  await page.getByRole('heading', { level: 1, name: new RegExp(words.crmTitle) }).waitFor();
  await screen(page, `crm${suffix}`, pictures);
  await nav(page, words.ranks);
  await page.getByRole('heading', { level: 1, name: words.tracking }).waitFor();
  await screen(page, `ranks${suffix}`, pictures);
  await nav(page, words.loyalty);
  await page.getByText(words.program).waitFor();
  await screen(page, `loyalty${suffix}`, pictures);
  await nav(page, words.inbox);
  await page.getByRole('link', { name: `${given.bea.first} ${given.bea.last}` }).first().waitFor();
  await screen(page, `inbox${suffix}`, pictures);
  await context.close();
}

async function expectCount(locator, count) {
  const deadline = Date.now() + WAIT;
  for (;;) {
    const seen = await locator.count();
    if (seen === count) return;
    if (Date.now() > deadline) throw new Error(`expected ${count} of ${locator}, saw ${seen}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function expectValue(locator, value) {
  const deadline = Date.now() + WAIT;
  while ((await locator.inputValue()) !== value) {
    if (Date.now() > deadline) throw new Error(`expected ${value} in ${locator}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-dev-shm-usage'],
});
/** A journey of settings.mjs on a page of its own, signed in as the English person. */
async function onItsOwn(journey, viewport = { width: 1280, height: 800 }) {
  const context = await browser.newContext({ viewport, locale: 'en-US', bypassCSP: true });
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT);
  await signIn(page, given.people.en, { email: 'E-mail', password: 'Password', signIn: 'Sign in', clients: 'Clients' });
  try {
    await journey(page, given, { check: (name) => audit(page, name), shot: (name) => screen(page, name) });
  } catch (error) {
    if (shots) await page.screenshot({ path: join(shots, `failed-${journey.name}.png`), fullPage: true });
    throw error;
  }
  await context.close();
}

let failed = null;
try {
  // Templates and the CRM's tools touch nothing the card journey reads.
  await Promise.all([englishJourney(browser), onItsOwn(templatesJourney), onItsOwn(crmJourney)]);
  // Loyalty's points per promotion come after the card's promotions; Italian at a phone's width.
  await Promise.all([
    translatedJourney(browser, 'es', { width: 1280, height: 800 }),
    translatedJourney(browser, 'it', { width: 390, height: 844 }),
    onItsOwn(loyaltyJourney),
  ]);
  // The programme's words change for a moment: nothing else runs meanwhile.
  await onItsOwn(ranksJourney);
  // Spanish's longer words at the narrowest common phone.
  await translatedJourney(browser, 'es', { width: 375, height: 812 }, '-es-375');
} catch (error) {
  failed = String(error?.stack ?? error);
} finally {
  await browser.close();
}
say({ done: true, failed, violations });
stdin.close();
process.exit(failed || violations.length ? 1 : 0);
