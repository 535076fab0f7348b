import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, makeFolder, type Stack, startStack } from '../stack.js';
import { CHROMIUM_ARGS, checkChromium } from './chromium.js';

const browserCheck = checkChromium({ ci: process.env.CI === 'true' });
if (!browserCheck.run) console.warn(browserCheck.reason);

const TOKEN = 'browser-token';
// UPDATE_SCREENSHOTS=1 writes the README's pictures into docs/; otherwise they go to a temp folder.
const SCREENSHOTS =
  process.env.UPDATE_SCREENSHOTS === '1'
    ? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../docs')
    : null;

/** What a page did while it loaded: its script and style answers, and its errors. */
interface Watched {
  assets: { url: string; type: string; status: number }[];
  errors: string[];
}

function watch(page: Page): Watched {
  const watched: Watched = { assets: [], errors: [] };
  page.on('response', (response) => {
    const type = response.request().resourceType();
    if (type === 'script' || type === 'stylesheet')
      watched.assets.push({ url: response.url(), type, status: response.status() });
  });
  page.on('console', (message) => {
    if (message.type() === 'error') watched.errors.push(message.text());
  });
  page.on('pageerror', (error) => watched.errors.push(error.message));
  page.on('requestfailed', (request) =>
    watched.errors.push(`${request.url()}: ${request.failure()?.errorText}`),
  );
  return watched;
}

function expectLoaded(watched: Watched): void {
  expect(watched.assets.filter((asset) => asset.type === 'script').length).toBeGreaterThan(0);
  expect(watched.assets.filter((asset) => asset.type === 'stylesheet').length).toBeGreaterThan(0);
  expect(watched.assets.filter((asset) => asset.status !== 200)).toEqual([]);
  expect(watched.errors).toEqual([]);
}

describe.runIf(browserCheck.run)('the dashboard and /docs in Chromium', () => {
  let stack: Stack;
  let browser: Browser;
  let signedIn: BrowserContext;
  let jobId: string;
  let shots: string;

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
    shots = SCREENSHOTS ?? (await mkdtemp(path.join(tmpdir(), 'strongbox-shots-')));
    browser = await chromium.launch({
      executablePath: browserCheck.run ? browserCheck.executablePath : undefined,
      headless: true,
      args: CHROMIUM_ARGS,
    });
    signedIn = await browser.newContext({
      httpCredentials: { username: 'operator', password: TOKEN },
      viewport: { width: 1280, height: 800 },
    });
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
    if (!SCREENSHOTS && shots) await rm(shots, { recursive: true, force: true });
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
    await page.screenshot({ path: path.join(shots, 'bull-board.png') });

    await card.click();
    await page.waitForURL(`**/admin/queues/queue/jobs/${jobId}**`, { timeout: 30_000 });
    await page.getByText(`GET /backups/${jobId}`).first().waitFor({ timeout: 30_000 });
    expectLoaded(watched);
    expect((await stat(path.join(shots, 'bull-board.png'))).size).toBeGreaterThan(10_000);

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

  it('opens /docs and shows the routes, with every asset loaded and no error', async () => {
    const page = await signedIn.newPage();
    const watched = watch(page);
    const response = await page.goto(`${stack.url}/docs`);
    expect(response?.status()).toBe(200);
    for (const route of ['/backups/{id}/restore', '/schedules/{id}', '/metrics']) {
      await page.getByText(route, { exact: true }).first().waitFor({ timeout: 30_000 });
    }
    await page.screenshot({ path: path.join(shots, 'api-docs.png') });
    expectLoaded(watched);
    await page.close();
  });
});
