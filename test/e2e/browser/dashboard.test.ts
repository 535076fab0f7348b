import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, makeFolder, type Stack, startStack, waitFor } from '../stack.js';
import { checkChromium } from './chromium.js';
import { expectLoaded, type Screenshots, screenshots, signedInChromium, watch } from './watch.js';

const browserCheck = checkChromium({ ci: process.env.CI === 'true' });
if (!browserCheck.run) console.warn(browserCheck.reason);

const TOKEN = 'browser-token';

/** The card of one job in Bull Board's list. */
function jobCard(page: Page, id: string | undefined): Locator {
  return page
    .locator('div', { has: page.getByText(id ?? 'no id', { exact: true }) })
    .filter({ has: page.getByRole('button', { name: 'Remove' }) })
    .last();
}

describe.runIf(browserCheck.run)('the dashboard and /docs in Chromium', () => {
  let stack: Stack;
  let browser: Browser;
  let signedIn: BrowserContext;
  let jobId: string;
  let shots: Screenshots;

  beforeAll(async () => {
    stack = await startStack({ workers: 1, env: { API_TOKENS: TOKEN } });
    await makeFolder(stack, 'example', { 'hello.txt': 'hello', 'notes/todo.txt': 'back up everything' });
    const done = await call(
      stack,
      'POST',
      '/backups?wait=30',
      { folder: 'example' },
      { authorization: `Bearer ${TOKEN}` },
    );
    expect(done.status).toBe(200);
    jobId = done.body.id;
    shots = await screenshots();
    ({ browser, signedIn } = await signedInChromium(
      browserCheck.run ? browserCheck.executablePath : undefined,
      TOKEN,
    ));
  });
  const auth = { authorization: `Bearer ${TOKEN}` };
  /** A backup of `folder`, waited for to its end. */
  const backupOf = async (folder: string) =>
    (await call(stack, 'POST', '/backups?wait=30', { folder }, auth)).body;
  /** The job of `folder` that is not `old`, once it has ended. */
  const newJobOf = async (folder: string, old: string | undefined) => {
    let found: { id: string; status: string } | undefined;
    await waitFor(
      async () => {
        const { items } = (await call(stack, 'GET', `/backups?folder=${folder}`, undefined, auth)).body;
        found = items.find((job: { id: string }) => job.id !== old);
        return found !== undefined && !['queued', 'running'].includes(found.status);
      },
      60_000,
      () => `no new job of ${folder} ended: ${JSON.stringify(found)}\n${stack.output()}`,
    );
    return found as unknown as { id: string } & Record<string, unknown>;
  };
  /** The Backup log rows of `folder`, oldest first. */
  const logRowsOf = async (folder: string) =>
    (await call(stack, 'GET', '/logs?action=Backup', undefined, auth)).body.items
      .filter((row: { parameter: string }) => row.parameter === folder)
      .map((row: { jobId: string; status: string }) => ({ jobId: row.jobId, status: row.status }));

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
    await shots?.done();
  });

  it('answers 401 without credentials, and never shows the board', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    // Without credentials to give, headless Chromium gives up on the Basic prompt: the navigation
    // fails and shows nothing. The context's own request shows the answer: 401, asking for Basic.
    await expect(page.goto(`${stack.url}/admin/queues`)).rejects.toThrow('ERR_INVALID_AUTH_CREDENTIALS');
    const answer = await page.request.get(`${stack.url}/admin/queues`);
    expect(answer.status()).toBe(401);
    expect(answer.headers()['www-authenticate']).toContain('Basic realm="Strongbox"');
    expect(await answer.json()).toMatchObject({ code: 'UNAUTHORIZED' });
    await context.close();
  });

  it('logs in, shows the queue with the completed job, opens it, with every asset loaded and no error', async () => {
    const page = await signedIn.newPage();
    const watched = watch(page);
    const response = await page.goto(`${stack.url}/admin/queues/queue/jobs?status=completed`);
    expect(response?.status()).toBe(200);
    const card = page.getByText(jobId).first();
    await card.waitFor({ timeout: 30_000 });
    await expect(page.getByText('backup example').first().isVisible()).resolves.toBe(true);
    await page.screenshot({ path: path.join(shots.folder, 'bull-board.png') });

    await card.click();
    await page.waitForURL(`**/admin/queues/queue/jobs/${jobId}**`, { timeout: 30_000 });
    await page.getByText(`GET /backups/${jobId}`).first().waitFor({ timeout: 30_000 });
    expectLoaded(watched);
    expect((await stat(path.join(shots.folder, 'bull-board.png'))).size).toBeGreaterThan(10_000);

    // From the dashboard to the API: the job's link opens GET /backups/{id}, in a tab of its own.
    const [api] = await Promise.all([
      signedIn.waitForEvent('page'),
      page.getByText(`GET /backups/${jobId}`).first().click(),
    ]);
    await api.waitForLoadState();
    expect(api.url()).toBe(`${stack.url}/backups/${jobId}`);
    expect(JSON.parse((await api.locator('body').innerText()).trim())).toMatchObject({
      id: jobId,
      kind: 'backup',
      folder: 'example',
      status: 'succeeded',
    });
    await api.close();
    await page.close();
  });

  it('opens from a link with the token in it, at the same address without it', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const withToken = new URL(`${stack.url}/admin/queues/queue/jobs`);
    withToken.username = 'operator';
    withToken.password = TOKEN;
    await page.goto(withToken.href);
    await page.waitForURL(`${stack.url}/admin/queues/queue/jobs`, { timeout: 30_000 });
    await page.getByText('Backup, verify and restore jobs').first().waitFor({ timeout: 30_000 });
    expect(await page.evaluate('document.URL')).toBe(`${stack.url}/admin/queues/queue/jobs`);
    await context.close();
  });

  it('gives every button a name, and hides the actions the API can never allow', async () => {
    const failed = await backupOf('never-there');
    expect(failed.status).toBe('failed');
    const page = await signedIn.newPage();
    await page.goto(`${stack.url}/admin/queues/queue/jobs?status=failed`);
    const card = jobCard(page, failed.id);
    await card.waitFor({ timeout: 30_000 });

    // Every control shown has a name a screen reader can say: its text or its aria-label.
    const unnamed = async () => {
      const found: string[] = [];
      for (const control of await page
        .locator('button:visible, a:visible, [role="menuitem"]:visible')
        .all()) {
        const name = (await control.getAttribute('aria-label')) ?? (await control.innerText()).trim();
        if (!name) found.push((await control.innerHTML()).slice(0, 120));
      }
      return found;
    };
    expect(await unnamed()).toEqual([]);
    await expect(card.getByRole('button', { name: 'Retry' }).isVisible()).resolves.toBe(true);
    await expect(card.getByRole('button', { name: 'Remove' }).isVisible()).resolves.toBe(true);
    await expect(card.getByRole('button', { name: 'Duplicate' }).isVisible()).resolves.toBe(false);
    await expect(card.getByRole('button', { name: 'Update data' }).isVisible()).resolves.toBe(false);

    await page.getByRole('button', { name: 'Queue actions' }).click();
    await page.getByRole('menuitem', { name: 'Pause' }).waitFor({ timeout: 30_000 });
    // Hidden items are out of the accessibility tree, so getByRole finds only those shown.
    const items = (await page.getByRole('menuitem').allInnerTexts()).map((text) => text.trim());
    expect(items).toEqual(expect.arrayContaining(['Pause', 'Set concurrency', 'Set rate limit']));
    for (const never of ['Add job', 'Empty', 'Obliterate']) expect(items).not.toContain(never);
    expect(await unnamed()).toEqual([]);
    await page.close();
  });

  it("shows a client's failure as CODE: message, with no stack trace and no path of the server", async () => {
    const failed = await backupOf('not-a-folder');
    expect(failed.error.code).toBe('NO_SUCH_DIRECTORY');
    const page = await signedIn.newPage();
    await page.goto(`${stack.url}/admin/queues/queue/jobs?status=failed`);
    await jobCard(page, failed.id).waitFor({ timeout: 30_000 });
    await page
      .getByText('NO_SUCH_DIRECTORY: No such directory: not-a-folder')
      .first()
      .waitFor({ timeout: 30_000 });
    // Nowhere on the page of failed jobs a stack trace: frames ("at …"), the files of the install.
    expect(await page.locator('body').innerText()).not.toMatch(/\bat \S+ \(|dist\/|file:\/\//);
    await page.close();
  });

  it('retries a failed backup from its Retry button: it runs again as a new job, in GET /backups with a log row of its own', async () => {
    const failed = await backupOf('flaky');
    expect(failed.error.code).toBe('NO_SUCH_DIRECTORY');
    await makeFolder(stack, 'flaky', { 'now-here.txt': 'here at last' });

    const page = await signedIn.newPage();
    await page.goto(`${stack.url}/admin/queues/queue/jobs?status=failed`);
    const card = jobCard(page, failed.id);
    await card.getByRole('button', { name: 'Retry' }).click({ timeout: 30_000 });
    await page.getByRole('alertdialog').getByRole('button', { name: 'Confirm' }).click();

    const again = await newJobOf('flaky', failed.id);
    expect(again).toMatchObject({
      kind: 'backup',
      folder: 'flaky',
      status: 'succeeded',
      result: { files: 1 },
    });
    expect(await logRowsOf('flaky')).toEqual([
      { jobId: failed.id, status: 'FAILED' },
      { jobId: again.id, status: 'SUCCESS' },
    ]);
    await page.goto(`${stack.url}/admin/queues/queue/jobs?status=completed`);
    await jobCard(page, again.id).waitFor({ timeout: 30_000 });
    await page.goto(`${stack.url}/admin/queues/queue/jobs?status=failed`);
    await page.getByText('backup').first().waitFor({ timeout: 30_000 });
    expect(await page.getByText(failed.id, { exact: true }).count()).toBe(0);
    await page.close();
  });

  it('retries every failed backup from Retry all, each as a new job of its own', async () => {
    const failed = [await backupOf('flaky-a'), await backupOf('flaky-b')];
    await makeFolder(stack, 'flaky-a', { 'a.txt': 'a' });
    await makeFolder(stack, 'flaky-b', { 'b.txt': 'b' });

    const page = await signedIn.newPage();
    await page.goto(`${stack.url}/admin/queues/queue/jobs?status=failed`);
    await jobCard(page, failed[1]?.id).waitFor({ timeout: 30_000 });
    await page.getByRole('button', { name: 'Retry all' }).click();
    await page.getByRole('alertdialog').getByRole('button', { name: 'Confirm' }).click();

    for (const [folder, old] of [
      ['flaky-a', failed[0]],
      ['flaky-b', failed[1]],
    ] as const) {
      const again = await newJobOf(folder, old?.id);
      expect(again).toMatchObject({ folder, status: 'succeeded', result: { files: 1 } });
      expect(await logRowsOf(folder)).toEqual([
        { jobId: old?.id, status: 'FAILED' },
        { jobId: again.id, status: 'SUCCESS' },
      ]);
    }
    await page.close();
  });

  it('opens /docs and shows the routes, with every asset loaded and no error', async () => {
    const page = await signedIn.newPage();
    const watched = watch(page);
    const response = await page.goto(`${stack.url}/docs`);
    expect(response?.status()).toBe(200);
    for (const route of ['/backups/{id}/restore', '/schedules/{id}', '/metrics']) {
      await page.getByText(route, { exact: true }).first().waitFor({ timeout: 30_000 });
    }
    await page.screenshot({ path: path.join(shots.folder, 'api-docs.png') });
    expectLoaded(watched);
    await page.close();
  });
});
