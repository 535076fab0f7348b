import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The file a copy thread runs: `thread/main.js` of the built package. Threads cannot load
 * TypeScript, so when this module itself was loaded from `src/` (tests load the engine from source
 * through the `source` export condition) the thread still runs the built `dist/thread/main.js`;
 * `npm test` builds first. A missing build is said plainly instead of as a thread that dies.
 * @param moduleUrl the URL of the module asking: this one's, or a test's stand-in
 */
export function threadEntryUrl(moduleUrl: string = import.meta.url): URL {
  const fromSource = /\/src\/[^/]+\.ts$/.test(new URL(moduleUrl).pathname);
  const entry = new URL(fromSource ? '../dist/thread/main.js' : './thread/main.js', moduleUrl);
  if (!existsSync(entry)) {
    throw new Error(
      `The engine's copy thread is not built (${fileURLToPath(entry)} is missing): run \`npm run build\` first`,
    );
  }
  return entry;
}
