/// <reference lib="dom" />
// The functions given to evaluate() run in the page, where the DOM is.
import { execFileSync } from 'node:child_process';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, makeFolder, type Stack, startStack } from '../stack.js';
import { expectSameTree } from '../tree.js';
import { checkChromium } from './chromium.js';
import {
  expectLoaded,
  type Screenshots,
  screenshots,
  signedInChromium,
  type Watched,
  watch,
} from './watch.js';

const browserCheck = checkChromium({ ci: process.env.CI === 'true' });
if (!browserCheck.run) console.warn(browserCheck.reason);

const TOKEN = 'console-token';
const auth = { authorization: `Bearer ${TOKEN}` };
/** Every asset loaded, no error, and no answer of the API that failed. */
function expectClean(watched: Watched): void {
  expectLoaded(watched);
  expect(watched.failures).toEqual([]);
}

/**
 * The WCAG contrast ratio of every visible text of the page against its background (the first
 * ancestor with one), the lowest first, with what it was: each should be 4.5 or more.
 */
function lowestContrasts(page: Page): Promise<{ text: string; ratio: number }[]> {
  return page.evaluate(() => {
    const channels = (color: string) => (color.match(/[\d.]+/g) ?? []).map(Number);
    const luminance = (color: string) => {
      const [r = 0, g = 0, b = 0] = channels(color).map((value) => {
        const c = value / 255;
        return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
      });
      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    const background = (element: Element | null): string => {
      for (let at = element; at; at = at.parentElement) {
        const color = getComputedStyle(at).backgroundColor;
        if (channels(color)[3] !== 0 && color !== 'transparent') return color;
      }
      return 'rgb(255, 255, 255)';
    };
    const found: { text: string; ratio: number }[] = [];
    for (const element of document.querySelectorAll('body *')) {
      const own = [...element.childNodes].some((node) => node.nodeType === 3 && node.textContent?.trim());
      if (!own || !(element as HTMLElement).offsetParent) continue;
      const [a, b] = [luminance(getComputedStyle(element).color), luminance(background(element))];
      const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
      found.push({
        text: (element.textContent ?? '').trim().slice(0, 40),
        ratio: Math.round(ratio * 10) / 10,
      });
    }
    return found.sort((x, y) => x.ratio - y.ratio).slice(0, 3);
  });
}

/** The visible controls without a name a screen reader can say (their text, label or aria-label). */
async function unnamedControls(page: Page): Promise<string[]> {
  const found: string[] = [];
  for (const control of await page
    .locator('button:visible, a:visible, input:visible, select:visible')
    .all()) {
    const id = await control.getAttribute('id');
    const label = id ? await page.locator(`label[for="${id}"]`).count() : 0;
    const name = (await control.getAttribute('aria-label')) ?? (await control.innerText()).trim();
    if (!name && label === 0)
      found.push((await control.evaluate((element) => element.outerHTML)).slice(0, 120));
  }
  return found;
}

/** Every text of the page readable (contrast 4.5 or more) and every control named. */
async function expectAccessible(page: Page): Promise<void> {
  const lowest = await lowestContrasts(page);
  expect(lowest).toHaveLength(3);
  expect(lowest.filter((text) => text.ratio < 4.5)).toEqual([]);
  expect(await unnamedControls(page)).toEqual([]);
}

describe.runIf(browserCheck.run)('the console in Chromium', () => {
  let stack: Stack;
  let browser: Browser;
  let signedIn: BrowserContext;
  let shots: Screenshots;
  let first: string;
  let second: string;
  const HELLO = 'hello, console\n';
  const TODO = 'back up everything\nthen check it\n';

  beforeAll(async () => {
    stack = await startStack({ workers: 1, env: { API_TOKENS: TOKEN } });
    await makeFolder(stack, 'photos', {
      'hello.txt': 'hello',
      'notes/todo.txt': TODO,
      'notes/deep/plan.md': '# plan\n',
    });
    const backup = async (folder: string) =>
      (await call(stack, 'POST', '/backups?wait=30', { folder }, auth)).body;
    first = (await backup('photos')).id;
    await makeFolder(stack, 'photos', { 'hello.txt': HELLO, 'added.txt': 'new' });
    const done = await backup('photos');
    expect(done.status).toBe('succeeded');
    second = done.id;
    // Four more, each adding a larger file, so that the timeline and the charts have a history.
    for (let i = 1; i <= 4; i++) {
      await makeFolder(stack, 'photos', { [`more/${i}.bin`]: 'x'.repeat(1000 * i) });
      expect((await backup('photos')).status).toBe('succeeded');
    }
    const failed = await backup('gone');
    expect(failed.error.code).toBe('NO_SUCH_DIRECTORY');
    shots = await screenshots();
    ({ browser, signedIn } = await signedInChromium(
      browserCheck.run ? browserCheck.executablePath : undefined,
      TOKEN,
      { acceptDownloads: true },
    ));
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
    await shots?.done();
  });

  it('answers 401 without credentials, asking for Basic', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await expect(page.goto(`${stack.url}/console/`)).rejects.toThrow('ERR_INVALID_AUTH_CREDENTIALS');
    const answer = await page.request.get(`${stack.url}/console/`);
    expect(answer.status()).toBe(401);
    expect(answer.headers()['www-authenticate']).toContain('Basic realm="Strongbox"');
    await context.close();
  });

  it('shows every folder with its health and totals, a failed backup in red with its code, with every asset loaded, no error, contrast of 4.5 or more and every control named', async () => {
    const page = await signedIn.newPage();
    const watched = watch(page);
    expect((await page.goto(`${stack.url}/console/`))?.status()).toBe(200);
    const gone = page.locator('tr[data-folder="gone"]');
    await gone.waitFor({ timeout: 30_000 });
    expect(await gone.getAttribute('data-health')).toBe('failed');
    expect((await gone.locator('.health').innerText()).trim()).toBe('Failed');
    expect((await gone.locator('.failed-code').innerText()).trim()).toBe('NO_SUCH_DIRECTORY');
    // Red: the badge's colour, and the failed backup's bar in the timeline.
    expect(await gone.locator('.health').evaluate((element) => getComputedStyle(element).color)).toBe(
      'rgb(179, 38, 30)',
    );
    expect(
      await gone
        .locator('g[data-status="failed"] rect')
        .first()
        .evaluate((element) => getComputedStyle(element).fill),
    ).toBe('rgb(179, 38, 30)');

    const photos = page.locator('tr[data-folder="photos"]');
    expect(await photos.getAttribute('data-health')).toBe('ok');
    expect((await photos.locator('.health').innerText()).trim()).toBe('Healthy');
    expect(await photos.locator('g[data-status="succeeded"]').count()).toBe(6);
    // The newest snapshot: hello.txt, notes/todo.txt, notes/deep/plan.md, added.txt and 10,000 bytes more.
    expect(HELLO.length + TODO.length + 7 + 3 + 10_000).toBe(10_058);
    expect(await photos.locator('td.num').innerText()).toBe('10.1 kB');

    expect(await page.locator('[data-total="folders"]').innerText()).toBe('2');
    expect(await page.locator('[data-total="failed"]').innerText()).toBe('1');
    expect(await page.locator('[data-total="ok"]').innerText()).toBe('1');
    expect(await page.locator('[data-total="snapshots"]').innerText()).toBe('6');
    await expect(page.getByRole('heading', { level: 1, name: 'Folders' }).isVisible()).resolves.toBe(true);
    await expect(page.getByRole('main').isVisible()).resolves.toBe(true);
    await expect(page.getByRole('navigation', { name: 'Main' }).isVisible()).resolves.toBe(true);
    await page.screenshot({ path: path.join(shots.folder, 'console-overview.png'), fullPage: true });
    await expectAccessible(page);
    expectClean(watched);
    await page.close();
  });

  it('refreshes by itself: a new folder shows without reloading the page', async () => {
    const page = await signedIn.newPage();
    await page.goto(`${stack.url}/console/`);
    await page.locator('tr[data-folder="photos"]').waitFor({ timeout: 30_000 });
    await page.evaluate('window.notReloaded = true');
    // From now on, the refreshes ask for the backups of a folder only when its last backup changed.
    const timelines: string[] = [];
    page.on('request', (request) => {
      const url = new URL(request.url());
      if (url.pathname === '/backups') timelines.push(url.searchParams.get('folder') ?? '');
    });
    await makeFolder(stack, 'later', { 'a.txt': 'a' });
    expect((await call(stack, 'POST', '/backups?wait=30', { folder: 'later' }, auth)).body.status).toBe(
      'succeeded',
    );
    await page.locator('tr[data-folder="later"][data-health="ok"]').waitFor({ timeout: 30_000 });
    expect(await page.evaluate('window.notReloaded')).toBe(true);
    expect(timelines.length).toBeGreaterThan(0);
    expect(timelines.filter((folder) => folder !== 'later')).toEqual([]);
    await page.close();
  });

  it('goes from the overview to a folder, a snapshot and a file, whose download is the file backed up', async () => {
    const page = await signedIn.newPage();
    const watched = watch(page);
    await page.goto(`${stack.url}/console/`);
    await page.getByRole('link', { name: 'photos', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Folder photos' }).waitFor({ timeout: 30_000 });
    expect(page.url()).toBe(`${stack.url}/console/#/folder/photos`);
    // Both charts drawn by uPlot, with the six snapshots; the policy and schedules shown.
    await page.locator('.chart .uplot canvas').nth(1).waitFor({ timeout: 30_000 });
    expect(await page.locator('.chart figcaption').allInnerTexts()).toEqual([
      'Snapshot size',
      'Backup duration',
    ]);
    expect(await page.locator('tr[data-backup]').count()).toBe(6);
    await expect(page.getByRole('heading', { name: 'Policy' }).isVisible()).resolves.toBe(true);
    await expect(page.getByRole('heading', { name: 'Schedules' }).isVisible()).resolves.toBe(true);
    await page.screenshot({ path: path.join(shots.folder, 'console-folder.png'), fullPage: true });
    await expectAccessible(page);

    await page.locator(`tr[data-backup="${second}"]`).getByRole('link', { name: 'Browse' }).click();
    await page.locator('tr[data-entry="hello.txt"]').waitFor({ timeout: 30_000 });
    const hello = page.locator('tr[data-entry="hello.txt"]');
    expect(await hello.locator('td').allInnerTexts()).toEqual([
      'file',
      `${HELLO.length} B`,
      '0644 rw-r--r--',
      expect.any(String),
      'Restore…',
    ]);
    expect(
      await page
        .locator('tr[data-entry]')
        .evaluateAll((rows) => rows.map((row) => row.getAttribute('data-entry'))),
    ).toEqual(['added.txt', 'hello.txt', 'notes']);
    await page.screenshot({ path: path.join(shots.folder, 'console-snapshot.png'), fullPage: true });
    await expectAccessible(page);

    await page.getByRole('link', { name: 'notes/' }).click();
    await page.locator('tr[data-entry="todo.txt"]').waitFor({ timeout: 30_000 });
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'todo.txt' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe('todo.txt');
    const saved = await download.path();
    expect(await readFile(saved)).toEqual(
      await readFile(path.join(stack.sourceRoot, 'photos/notes/todo.txt')),
    );
    expectClean(watched);
    await page.close();
  });

  it('restores a sub-path of a snapshot into a new folder, showing the job until it has succeeded', async () => {
    const page = await signedIn.newPage();
    await page.goto(`${stack.url}/console/#/snapshot/${second}`);
    await page.getByRole('button', { name: 'Restore notes' }).click();
    expect(await page.getByLabel('Path in the snapshot').inputValue()).toBe('notes');
    await page.getByLabel('New folder to restore into').fill('restored/notes');
    await page.getByRole('form', { name: 'Restore' }).getByRole('button', { name: 'Restore' }).click();
    const job = page.locator('.job');
    await job.locator('.status', { hasText: 'succeeded' }).waitFor({ timeout: 60_000 });
    expect(await job.innerText()).toContain('2 files');
    await expectSameTree(
      path.join(stack.sourceRoot, 'restored/notes'),
      path.join(stack.sourceRoot, 'photos/notes'),
    );
    expect((await stat(path.join(stack.sourceRoot, 'restored/notes/todo.txt'))).size).toBe(TODO.length);

    // The same target again: the job fails with the worker's code, shown as it came.
    await page.getByRole('form', { name: 'Restore' }).getByRole('button', { name: 'Restore' }).click();
    await page.locator('.job-failed').getByText('TARGET_EXISTS').waitFor({ timeout: 60_000 });
    await page.close();
  });

  it("shows the API's refusal with its code and message, and starts nothing", async () => {
    const page = await signedIn.newPage();
    await page.goto(`${stack.url}/console/#/snapshot/${second}`);
    await page.getByLabel('New folder to restore into').fill('../outside');
    await page.getByRole('form', { name: 'Restore' }).getByRole('button', { name: 'Restore' }).click();
    const alert = page.getByRole('form', { name: 'Restore' }).getByRole('alert');
    await alert.waitFor({ timeout: 30_000 });
    expect(await alert.locator('.code').innerText()).toBe('INVALID_TARGET');
    expect(await alert.innerText()).toContain('".."');
    expect(await page.locator('.job').count()).toBe(0);
    await page.goto(`${stack.url}/console/#/folder/gone`);
    const failure = page.locator('.failures li').first();
    await failure.waitFor({ timeout: 30_000 });
    expect(await failure.locator('.code').innerText()).toBe('NO_SUCH_DIRECTORY');
    expect(await failure.innerText()).toContain('NO_SUCH_DIRECTORY No such directory: gone');
    await page.goto(`${stack.url}/console/#/folder/${encodeURIComponent('nowhere/at all')}`);
    const missing = page.getByRole('alert');
    await missing.waitFor({ timeout: 30_000 });
    expect(await missing.innerText()).toMatch(/^UNKNOWN_FOLDER /);
    await page.close();
  });

  it('backs up now and verifies a snapshot from the folder page, with the live job', async () => {
    const page = await signedIn.newPage();
    await page.goto(`${stack.url}/console/#/folder/photos`);
    await page.getByRole('button', { name: 'Back up now' }).click();
    await page
      .locator('#backup-now-heading ~ .action .job .status', { hasText: 'succeeded' })
      .waitFor({ timeout: 60_000 });
    await page.locator(`tr[data-backup="${first}"]`).getByRole('button', { name: 'Verify' }).click();
    const verify = page.locator(`tr[data-backup="${first}"] .job`);
    await verify.locator('.status', { hasText: 'succeeded' }).waitFor({ timeout: 60_000 });
    expect(await verify.innerText()).toContain('verify photos');
    await page.close();
  });

  it('compares two snapshots: what was added and changed, with sizes', async () => {
    const page = await signedIn.newPage();
    await page.goto(`${stack.url}/console/#/folder/photos`);
    await page.getByLabel('From').selectOption(first);
    await page.getByLabel('To').selectOption(second);
    await page.getByRole('button', { name: 'Compare' }).click();
    await page.getByRole('heading', { level: 1, name: 'Changes in photos' }).waitFor({ timeout: 30_000 });
    await page.locator('table.diff tbody tr').first().waitFor({ timeout: 30_000 });
    const rows = await page
      .locator('table.diff tbody tr')
      .evaluateAll((trs) => trs.map((tr) => [...tr.children].map((cell) => (cell as HTMLElement).innerText)));
    expect(rows).toEqual([
      ['added', 'added.txt', 'file', '3 B', ''],
      ['changed', 'hello.txt', 'file', `${HELLO.length} B`, '5 B'],
    ]);
    await page.close();
  });

  it('works from the keyboard and on a phone', async () => {
    const phone = await browser.newContext({
      httpCredentials: { username: 'operator', password: TOKEN },
      viewport: { width: 390, height: 844 },
      isMobile: true,
    });
    const page = await phone.newPage();
    await page.goto(`${stack.url}/console/`);
    await page.locator('tr[data-folder="photos"]').waitFor({ timeout: 30_000 });
    // Nothing wider than the screen but the tables, which scroll in their own box.
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    // The first Tab reaches the skip link; Tab on reaches the folder's link, and Enter opens it.
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement.textContent')).toBe('Skip to content');
    for (let i = 0; i < 20; i++) {
      await page.keyboard.press('Tab');
      if ((await page.evaluate('document.activeElement.textContent')) === 'photos') break;
    }
    expect(await page.evaluate('document.activeElement.textContent')).toBe('photos');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'Folder photos' }).waitFor({ timeout: 30_000 });
    await phone.close();
  });

  it('pages a directory of the snapshot with the tree route cursor', async () => {
    const files = Object.fromEntries(
      Array.from({ length: 205 }, (_, i) => [`f${String(i).padStart(3, '0')}.txt`, `${i}`]),
    );
    await makeFolder(stack, 'many', files);
    const done = (await call(stack, 'POST', '/backups?wait=30', { folder: 'many' }, auth)).body;
    expect(done.status).toBe('succeeded');
    const page = await signedIn.newPage();
    await page.goto(`${stack.url}/console/#/snapshot/${done.id}`);
    await page.locator('tr[data-entry="f199.txt"]').waitFor({ timeout: 30_000 });
    expect(await page.locator('tr[data-entry]').count()).toBe(200);
    await page.getByRole('button', { name: 'Load more' }).click();
    await page.locator('tr[data-entry="f204.txt"]').waitFor({ timeout: 30_000 });
    expect(await page.locator('tr[data-entry]').count()).toBe(205);
    expect(await page.getByRole('button', { name: 'Load more' }).count()).toBe(0);
    await page.close();
  });

  it('shows a folder whose last backup skipped entries in amber, with why', async () => {
    const root = await makeFolder(stack, 'odd', { 'kept.txt': 'kept' });
    execFileSync('mkfifo', [path.join(root, 'pipe')]);
    const done = (await call(stack, 'POST', '/backups?wait=30', { folder: 'odd' }, auth)).body;
    expect(done).toMatchObject({ status: 'succeeded', result: { skipped: 1 } });
    const page = await signedIn.newPage();
    await page.goto(`${stack.url}/console/`);
    const odd = page.locator('tr[data-folder="odd"]');
    await odd.waitFor({ timeout: 30_000 });
    expect(await odd.getAttribute('data-health')).toBe('warning');
    expect((await odd.locator('.health').innerText()).trim()).toBe('Warnings');
    expect(await odd.locator('.health').getAttribute('title')).toBe(
      'last backup skipped 1 entry: skipped special file (fifo): pipe',
    );
    expect(done.result.warnings).toEqual(['skipped special file (fifo): pipe']);
    expect(await odd.locator('.health').evaluate((element) => getComputedStyle(element).color)).toBe(
      'rgb(138, 90, 0)',
    );
    await page.close();
  });
});
