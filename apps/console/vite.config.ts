import { defineConfig } from 'vite';

/** The API the development server sends the console's requests to, and the token it adds to them. */
const api = process.env.STRONGBOX_API ?? 'http://127.0.0.1:3000';
const token = process.env.STRONGBOX_TOKEN;

/**
 * The console is served by the API under /console; its requests go to the API's public routes on
 * the same origin. `npm run dev -w @strongbox/console` serves it with hot reload and sends those
 * routes to a running API (STRONGBOX_API), with STRONGBOX_TOKEN as a bearer token when it is set.
 */
export default defineConfig({
  base: '/console/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // No inline script: the Content Security Policy allows only this server's script files.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
  },
  server: {
    proxy: Object.fromEntries(
      ['/folders', '/backups', '/schedules'].map((route) => [
        route,
        { target: api, changeOrigin: true, headers: token ? { authorization: `Bearer ${token}` } : {} },
      ]),
    ),
  },
});
