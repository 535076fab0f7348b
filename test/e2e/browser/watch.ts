import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type Browser,
  type BrowserContext,
  type BrowserContextOptions,
  chromium,
  type Page,
} from 'playwright-core';
import { expect } from 'vitest';
import { CHROMIUM_ARGS } from './chromium.js';

/** What a page did while it loaded: its script and style answers, its failed answers, its errors. */
export interface Watched {
  assets: { url: string; type: string; status: number }[];
  /** Every answer of 400 or more, as `status url`. */
  failures: string[];
  errors: string[];
}

export function watch(page: Page): Watched {
  const watched: Watched = { assets: [], failures: [], errors: [] };
  page.on('response', (response) => {
    const type = response.request().resourceType();
    if (type === 'script' || type === 'stylesheet')
      watched.assets.push({ url: response.url(), type, status: response.status() });
    if (response.status() >= 400) watched.failures.push(`${response.status()} ${response.url()}`);
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

/** Scripts and styles were loaded, every one with 200, and nothing was written to the console as an error. */
export function expectLoaded(watched: Watched): void {
  expect(watched.assets.filter((asset) => asset.type === 'script').length).toBeGreaterThan(0);
  expect(watched.assets.filter((asset) => asset.type === 'stylesheet').length).toBeGreaterThan(0);
  expect(watched.assets.filter((asset) => asset.status !== 200)).toEqual([]);
  expect(watched.errors).toEqual([]);
}

/** Where a browser test writes its screenshots, and how it tidies them up. */
export interface Screenshots {
  folder: string;
  /** Removes the folder unless it is docs/. */
  done(): Promise<void>;
}

/**
 * UPDATE_SCREENSHOTS=1 writes the README's pictures into docs/; otherwise they go to a temp
 * folder, removed afterwards.
 */
export async function screenshots(): Promise<Screenshots> {
  if (process.env.UPDATE_SCREENSHOTS === '1') {
    const docs = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../docs');
    return { folder: docs, done: async () => {} };
  }
  const folder = await mkdtemp(path.join(tmpdir(), 'strongbox-shots-'));
  return { folder, done: () => rm(folder, { recursive: true, force: true }) };
}

/** Debian's Chromium, headless, and a context signed in with `token` as the password of Basic. */
export async function signedInChromium(
  executablePath: string | undefined,
  token: string,
  options: BrowserContextOptions = {},
): Promise<{ browser: Browser; signedIn: BrowserContext }> {
  const browser = await chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS });
  const signedIn = await browser.newContext({
    httpCredentials: { username: 'operator', password: token },
    viewport: { width: 1280, height: 800 },
    ...options,
  });
  return { browser, signedIn };
}
