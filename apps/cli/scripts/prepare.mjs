// Run by `npm ci` / `npm install` in the repository (the root package's prepare script): builds the
// command-line client, whose bin imports dist/, so that `npx strongbox` works at once. An install
// without dev dependencies (`npm ci --omit=dev`, as a production image of the API or worker does)
// has no TypeScript and no use for the client: it is skipped there, and the install goes on.
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

let tsc;
try {
  tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
} catch {
  console.log('strongbox CLI not built: TypeScript is not installed (an install without dev dependencies)');
  process.exit(0);
}
const project = fileURLToPath(new URL('../tsconfig.build.json', import.meta.url));
execFileSync(process.execPath, [tsc, '-p', project], { stdio: 'inherit' });
