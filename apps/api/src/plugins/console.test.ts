import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../testing/test-app.js';
import consolePage, { CONSOLE_DIST } from './console.js';

const TOKEN = 'console-token';
const bearer = { authorization: `Bearer ${TOKEN}` };
const basic = { authorization: `Basic ${Buffer.from(`ops:${TOKEN}`).toString('base64')}` };

// The console is built by `npm run build` (`npm test` builds first), before the API that serves it.
describe('the console at /console', () => {
  let t: TestApp;
  let index: string;
  let script: string;
  let style: string;

  beforeAll(async () => {
    t = await startTestApp({ apiTokens: TOKEN });
    index = await readFile(path.join(CONSOLE_DIST, 'index.html'), 'utf8');
    const assets = await readdir(path.join(CONSOLE_DIST, 'assets'));
    script = assets.find((name) => name.endsWith('.js')) ?? 'no script';
    style = assets.find((name) => name.endsWith('.css')) ?? 'no style';
  });
  afterAll(async () => {
    await t?.close();
  });

  const get = (url: string, headers: Record<string, string> = bearer) =>
    t.app.inject({ method: 'GET', url, headers });

  it('serves its page at /console and /console/, naming its own script and style and no inline script', async () => {
    for (const url of ['/console', '/console/']) {
      const page = await get(url, basic);
      expect(page.statusCode).toBe(200);
      expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(page.headers['cache-control']).toBe('no-cache');
      expect(page.body).toBe(index);
    }
    expect(index).toContain(`<script type="module" crossorigin src="/console/assets/${script}"></script>`);
    expect(index).toContain(`<link rel="stylesheet" crossorigin href="/console/assets/${style}">`);
    expect(index.match(/<script/g)).toHaveLength(1);
  });

  it('serves its script and style with their types, to be kept for good', async () => {
    const js = await get(`/console/assets/${script}`);
    expect(js.statusCode).toBe(200);
    expect(js.headers['content-type']).toBe('application/javascript; charset=utf-8');
    expect(js.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(js.body).toBe(await readFile(path.join(CONSOLE_DIST, 'assets', script), 'utf8'));
    const css = await get(`/console/assets/${style}`);
    expect(css.statusCode).toBe(200);
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
    expect(css.body).toContain('.uplot');
  });

  it('answers the page for a deep link, and 404 for a missing file', async () => {
    for (const url of ['/console/folder/photos', '/console/snapshot/5c1e/a/b?x=1']) {
      const page = await get(url);
      expect(page.statusCode).toBe(200);
      expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(page.body).toBe(index);
    }
    const missing = await get('/console/assets/missing.js');
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual({
      statusCode: 404,
      error: 'Not Found',
      code: 'NOT_FOUND',
      message: 'There is no file GET /console/assets/missing.js in the console',
    });
  });

  it('refuses a path that climbs out of its folder', async () => {
    const out = await get('/console/assets/..%2f..%2fpackage.json');
    expect(out.statusCode).toBe(404);
    expect(out.json().code).toBe('NOT_FOUND');
    expect(out.body).not.toContain('@strongbox/console');
  });

  it('carries the security headers, whose policy allows its own scripts and styles and nothing inline', async () => {
    const page = await get('/console/');
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("script-src-attr 'none'");
    expect(csp).toContain("connect-src 'self'");
    expect(page.headers['x-content-type-options']).toBe('nosniff');
  });

  it('refuses 401 without a token, page, deep link and assets alike, asking for Basic', async () => {
    for (const url of ['/console', '/console/', '/console/folder/photos', `/console/assets/${script}`]) {
      const refused = await get(url, {});
      expect(refused.statusCode).toBe(401);
      expect(refused.headers['www-authenticate']).toEqual([
        'Bearer',
        'Basic realm="Strongbox", charset="UTF-8"',
      ]);
      expect(refused.json().code).toBe('UNAUTHORIZED');
      expect((await get(url, { authorization: 'Bearer wrong' })).statusCode).toBe(401);
    }
  });
});

describe('an API built without the console', () => {
  it('answers /console with 404 saying how to build it', async () => {
    const empty = await mkdtemp(path.join(tmpdir(), 'strongbox-no-console-'));
    const app = Fastify({ logger: false });
    try {
      await app.register(consolePage, { root: empty });
      for (const url of ['/console', '/console/', '/console/folder/photos']) {
        const answer = await app.inject({ method: 'GET', url });
        expect(answer.statusCode).toBe(404);
        expect(answer.json()).toEqual({
          statusCode: 404,
          error: 'Not Found',
          code: 'NOT_FOUND',
          message: 'The console is not built on this server: npm run build builds it',
        });
      }
    } finally {
      await app.close();
      await rm(empty, { recursive: true, force: true });
    }
  });
});
