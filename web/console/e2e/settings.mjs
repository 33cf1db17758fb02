// The journeys of the settings screens (Ranks, Loyalty, Templates) and the CRM's tools, for
// journeys.mjs: each takes a signed-in page and `check` (axe-core on the page as it is,
// named for the step; `shot` also takes the screenshot). Selectors go by role and label.

/** The field error shown inside the label of `name` (role alert, next to its input). */
const fieldError = (scope, name, text) =>
  scope.locator('label').filter({ hasText: name }).getByRole('alert').filter({ hasText: text });

const saved = (scope) => scope.getByRole('status').filter({ hasText: 'Saved.' });

export async function ranksJourney(page, given, { check, shot }) {
  await page.goto(`${given.url}/ranks`);
  await page.getByRole('heading', { level: 1, name: 'Belt tracking' }).waitFor();
  await check('ranks-open');

  // The programme's words: Rankings, then back to belts.
  const program = page.getByRole('form', { name: 'The programme' });
  await program.getByRole('combobox', { name: /^Words/ }).selectOption('RANKINGS');
  await program.getByRole('button', { name: 'Save' }).click();
  await page.getByRole('heading', { level: 1, name: 'Rankings' }).waitFor();
  await program.getByRole('combobox', { name: /^Words/ }).selectOption('BELTS');
  await program.getByRole('button', { name: 'Save' }).click();
  await page.getByRole('heading', { level: 1, name: 'Belt tracking' }).waitFor();
  await check('ranks-words');

  // The category's settings: tell the client too.
  const category = page.getByRole('region', { name: given.category, exact: true });
  await category.getByText(`Settings of ${given.category}`).click();
  const settings = category.locator('details').filter({ hasText: `Settings of ${given.category}` });
  await settings.getByLabel('Tell the client too').check();
  await settings.getByRole('button', { name: 'Save' }).click();
  await saved(settings).waitFor();
  await check('ranks-category');

  // A rank named like another: refused, the message by the name field.
  await category.getByText('Edit Orange').click();
  const orange = category.locator('details').filter({ hasText: 'Edit Orange' });
  await orange.locator('input[name=name]').fill('Yellow');
  await orange.getByRole('button', { name: 'Save' }).click();
  await fieldError(orange, 'Name', 'A rank with this name exists in the category.').waitFor();
  await check('ranks-duplicate');
  // A stripe added to Orange.
  await orange.locator('input[name=name]').fill('Orange');
  await orange.getByRole('button', { name: 'Add one' }).click();
  await orange.getByRole('button', { name: 'Save' }).click();
  await saved(orange).waitFor();
  await category.getByRole('listitem').filter({ hasText: 'Move Orange up' }).getByText(/^Stripes: 1\./).waitFor();
  await check('ranks-stripe');

  // A new rank nobody holds, moved before Orange.
  await category.getByText('Add a belt').click();
  const adding = category.locator('details').filter({ hasText: 'Add a belt' });
  await adding.locator('input[name=name]').fill('Green');
  await adding.getByRole('button', { name: 'Create' }).click();
  await category.getByRole('button', { name: 'Move Green up' }).click();
  await category.getByRole('button', { name: 'Move Green down' }).waitFor();
  await expectOrder(category.locator('ol.rank-list > li strong'), ['White', 'Yellow', 'Green', 'Orange']);
  await check('ranks-move');

  // The report: by rank, then those ready for promotion (Bea, after her two visits).
  const report = category.getByRole('region', { name: `Report of ${given.category}`, exact: true });
  // (Two holders: one page; the report pages by 25.)
  await report.getByRole('combobox', { name: /^belt/ }).selectOption({ label: 'White' });
  await report.getByText(given.whiteHolder).waitFor();
  await report.getByRole('combobox', { name: /^belt/ }).selectOption({ label: 'All' });
  await report.getByLabel('Only those ready for the next one').check();
  await report.getByText(given.whiteHolder).waitFor();
  await check('ranks-report');

  // A rank message's text, saved: changed by the studio.
  const messages = page.getByRole('region', { name: 'Messages' });
  const first = messages.getByRole('form').first();
  const text = first.getByLabel('Text');
  await text.fill(`${await text.inputValue()} Well done.`);
  await first.getByRole('button', { name: 'Save' }).click();
  await first.getByText('changed by the studio').waitFor();
  await shot('ranks-edit');
}

export async function loyaltyJourney(page, given, { check, shot }) {
  await page.goto(`${given.url}/loyalty`);
  const settings = page.getByRole('form', { name: 'Programme settings' });
  await settings.getByLabel('Points earned per 100 spent').waitFor();
  await check('loyalty-open');
  // A percentage of 1000: refused, the message by the field; then 5 again.
  await settings.getByLabel('Points earned per 100 spent').fill('1000');
  await settings.getByRole('button', { name: 'Save' }).click();
  await fieldError(settings, 'Points earned per 100 spent', 'Give a percentage from 0 to 100.').waitFor();
  await check('loyalty-bad-percent');

  const rules = page.getByRole('region', { name: 'Per-service rules' });
  await rules.getByText('Add a rule for a service').click();
  await rules.getByLabel('Service id', { exact: true }).fill('karate');
  await rules.getByRole('textbox', { name: 'Service name' }).fill('Karate');
  await rules.getByRole('combobox', { name: /^Rule/ }).selectOption('fixed');
  await rules.getByRole('spinbutton', { name: 'Points per unit' }).fill('3');
  await rules.getByRole('button', { name: 'Save' }).click();
  await rules.getByRole('form', { name: 'Karate' }).waitFor();
  await check('loyalty-rule');

  const automations = page.getByRole('region', { name: 'Automations' });
  await automations.getByText('New automation').click();
  await automations.getByRole('combobox', { name: /^When/ }).selectOption('VISIT_COUNT');
  await automations.getByRole('spinbutton', { name: 'Visits (N)' }).fill('10');
  await automations.getByRole('spinbutton', { name: 'Points', exact: true }).fill('25');
  await automations.getByRole('spinbutton', { name: 'Points last (days)' }).fill('30');
  await automations.getByRole('button', { name: 'Create' }).click();
  await automations.getByRole('cell', { name: 'Every 10 visits', exact: true }).waitFor();
  await check('loyalty-automation');
  // Edited (25 → 40 points), paused, resumed, then deleted after the inline question: each
  // answer shows in the list without a reload (the cache, not a second read).
  await automations.getByRole('button', { name: 'Edit Every 10 visits' }).click();
  const edit = automations.getByRole('form', { name: 'Edit Every 10 visits' });
  await edit.getByRole('spinbutton', { name: 'Points', exact: true }).fill('40');
  await check('loyalty-automation-editing');
  await edit.getByRole('button', { name: 'Save' }).click();
  await edit.waitFor({ state: 'detached' });
  await automations.getByRole('cell', { name: '40', exact: true }).waitFor();
  await automations.getByRole('button', { name: 'Pause Every 10 visits' }).click();
  await automations.getByRole('cell', { name: 'Paused', exact: true }).waitFor();
  await check('loyalty-automation-paused');
  // While it is paused a second "every 10 visits" may be made; resuming the first is then
  // refused (DUPLICATE_AUTOMATION), the message by its Resume button. The second deleted,
  // the first resumes.
  await automations.getByRole('spinbutton', { name: 'Visits (N)' }).fill('10');
  await automations.getByRole('spinbutton', { name: 'Points', exact: true }).fill('5');
  await automations.getByRole('spinbutton', { name: 'Points last (days)' }).fill('30');
  await automations.getByRole('button', { name: 'Create' }).click();
  const second = automations.getByRole('row').filter({ has: page.getByRole('cell', { name: '5', exact: true }) });
  await second.waitFor();
  await automations.getByRole('button', { name: 'Resume Every 10 visits' }).click();
  await automations.getByRole('alert').filter({ hasText: 'Another automation of this kind is in force' }).waitFor();
  await check('loyalty-automation-refused');
  await second.getByRole('button', { name: 'Delete Every 10 visits' }).click();
  await second.getByRole('button', { name: 'Yes, delete Every 10 visits' }).click();
  await second.waitFor({ state: 'detached' });
  await automations.getByRole('button', { name: 'Resume Every 10 visits' }).click();
  await automations.getByRole('cell', { name: 'Active', exact: true }).waitFor();
  // Delete, No: kept (the focus back on Delete); Delete, Yes: gone.
  await automations.getByRole('button', { name: 'Delete Every 10 visits' }).click();
  await automations.getByRole('button', { name: 'No, keep Every 10 visits' }).click();
  await automations.getByRole('button', { name: 'Delete Every 10 visits' }).and(page.locator(':focus')).waitFor();
  await automations.getByRole('button', { name: 'Delete Every 10 visits' }).click();
  await automations.getByRole('group', { name: /^Delete Every 10 visits\?/ }).waitFor();
  await shot('loyalty-automation-deleting');
  await automations.getByRole('button', { name: 'Yes, delete Every 10 visits' }).click();
  await automations.getByText('No automation yet.').waitFor();
  await check('loyalty-automation-deleted');

  const rewards = page.getByRole('region', { name: /^Points for a new / });
  const yellow = rewards.getByRole('form', { name: `${given.category} · Yellow` });
  await yellow.getByRole('spinbutton', { name: 'Points', exact: true }).fill('15');
  await yellow.getByRole('button', { name: 'Save' }).click();
  await saved(yellow).waitFor();
  await check('loyalty-rewards');

  const report = page.getByRole('region', { name: 'Points earned' });
  await report.getByLabel('From').fill(given.today);
  await report.getByLabel('To (inclusive)').fill(given.today);
  await report.getByRole('combobox', { name: /^Branch/ }).selectOption({ label: given.branch });
  await report.getByText(/points earned in all/).waitFor();
  await report.getByRole('combobox', { name: /^Branch/ }).selectOption({ label: 'All branches' });
  await report.getByText(/points earned in all/).waitFor();
  await shot('loyalty-edit');
}

export async function templatesJourney(page, given, { check, shot }) {
  await page.goto(`${given.url}/templates`);
  await page.getByRole('heading', { level: 1, name: 'Message templates' }).waitFor();
  const language = page.locator('.filters').getByLabel('Language');
  await language.waitFor();
  await language.selectOption('es');
  await page.getByRole('form').first().locator('[lang=es]').first().waitFor();
  await check('templates-es');
  await language.selectOption('en');
  await page.locator('.filters').getByLabel('Message').selectOption('payment_reminder');
  const form = page.getByRole('form').first();
  await form.getByLabel('Text').fill('Hello {nobody_knows_this}');
  await form.getByRole('button', { name: 'Save' }).click();
  await fieldError(form, 'Text', 'A placeholder in the text is unknown').waitFor();
  await check('templates-unknown');
  await form.getByLabel('Text').fill('A friendly reminder: a payment is due.');
  await form.getByRole('button', { name: 'Save' }).click();
  await form.getByText('changed by the studio').waitFor();
  await shot('templates');
}

export async function crmJourney(page, given, { check, shot }) {
  await page.goto(`${given.url}/crm`);
  const heat = page.getByRole('region', { name: 'Occupancy by weekday and hour' });
  await heat.getByText('1 of 10').waitFor();
  await heat.getByText('10 %').waitFor();
  await check('crm-heatmap');
  await heat.getByLabel('Period').selectOption('MONTH');
  await heat.getByText('Places booked of those offered in the month, per weekday and hour').waitFor();
  await heat.getByText('1 of 10').waitFor();
  await heat.getByLabel('Period').selectOption('DAY');

  const insights = page.getByRole('region', { name: 'Demographics and the app' });
  await insights.getByLabel('Clients').selectOption('ACTIVE');
  await insights.getByRole('heading', { name: 'App adoption' }).waitFor();
  await check('crm-demographics');

  const funnels = page.getByRole('region', { name: 'Funnels' });
  await funnels.getByText('New funnel').click();
  await funnels.getByLabel('Name', { exact: true }).fill('Trial');
  await funnels.getByLabel('Stages, one a line').fill('Asked\nTried\nJoined');
  await funnels.getByRole('button', { name: 'Create' }).click();
  await funnels.getByRole('heading', { name: 'Trial' }).waitFor();
  await funnels.getByText('Move a client in Trial').click();
  await funnels.getByLabel('Find a client (name, e-mail or phone)').fill(given.ana.last);
  await funnels.locator('select[name=clientId] option').first().waitFor({ state: 'attached' });
  await funnels.locator('select[name=stageId]').selectOption({ label: 'Tried' });
  await funnels.getByRole('button', { name: 'Move' }).click();
  await saved(funnels).waitFor();
  await check('crm-funnel');

  const tasks = page.getByRole('region', { name: 'Tasks' });
  await tasks.getByText('New task').click();
  await tasks.getByLabel('What').fill('Call Ana back');
  await tasks.getByLabel('Priority').selectOption('HIGH');
  await tasks.getByRole('button', { name: 'Create' }).click();
  await tasks.getByRole('button', { name: 'Mark "Call Ana back" done' }).click();
  await tasks.getByRole('button', { name: 'Mark "Call Ana back" done' }).waitFor({ state: 'detached' });
  await tasks.getByLabel('Show done tasks too').check();
  await tasks.getByRole('listitem').filter({ hasText: 'Call Ana back' }).getByText('done').waitFor();
  await shot('crm-tools');
}

async function expectOrder(locator, names) {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const seen = await locator.allTextContents();
    if (JSON.stringify(seen) === JSON.stringify(names)) return;
    if (Date.now() > deadline) throw new Error(`expected ${names.join(', ')}, saw ${seen.join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
