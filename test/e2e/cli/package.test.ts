import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeFolder, type Stack, startStack } from '../stack.js';
import { CLI_BIN, linesOf } from './run-cli.js';

// `npm pack` in apps/cli, installed into an empty folder from the tarball and the npm registry,
// with no other workspace in reach: the CLI must run from its own dependencies alone.
const run = promisify(execFile);
const CLI_DIR = path.resolve(path.dirname(CLI_BIN), '..');

let stack: Stack;
let scratch: string;
let consumer: string;
let tarball: string;

/** npm as a user runs it: none of the npm_* variables of the `npm test` running this file. */
function npmEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.toLowerCase().startsWith('npm_')),
  );
}

beforeAll(async () => {
  stack = await startStack({ workers: 1 });
  scratch = await mkdtemp(path.join(tmpdir(), 'strongbox-pack-'));
  // The build is there already (npm test builds first); rebuilding here would rewrite dist/ under
  // the other test files that run the CLI at the same time.
  const packed = await run('npm', ['pack', '--ignore-scripts', '--pack-destination', scratch], {
    cwd: CLI_DIR,
    env: npmEnv(),
  });
  tarball = path.join(scratch, linesOf(packed.stdout).at(-1)!);
  consumer = path.join(scratch, 'consumer');
  await mkdir(consumer);
  await writeFile(path.join(consumer, 'package.json'), '{ "name": "consumer", "private": true }\n');
  await run('npm', ['install', '--no-audit', '--no-fund', tarball], { cwd: consumer, env: npmEnv() });
}, 300_000);

afterAll(async () => {
  if (scratch) await rm(scratch, { recursive: true, force: true });
  await stack?.stop();
});

describe('the packed CLI', () => {
  it('is named strongbox-cli-<version>.tgz and holds only the bin, the built code and package.json', async () => {
    const { version } = JSON.parse(await readFile(path.join(CLI_DIR, 'package.json'), 'utf8'));
    expect(path.basename(tarball)).toBe(`strongbox-cli-${version}.tgz`);
    const files = linesOf((await run('tar', ['-tzf', tarball])).stdout);
    expect(files).toContain('package/bin/strongbox.js');
    expect(files).toContain('package/dist/main.js');
    expect(
      files.filter((file) => !/^package\/(package\.json|bin\/strongbox\.js|dist\/.+\.js)$/.test(file)),
    ).toEqual([]);
    expect(files.filter((file) => file.includes('.test.') || file.includes('/testing/'))).toEqual([]);
  });

  it('imports nothing at run time but Node built-ins and its declared dependencies', async () => {
    const installed = path.join(consumer, 'node_modules/@strongbox/cli');
    const { dependencies } = JSON.parse(await readFile(path.join(installed, 'package.json'), 'utf8'));
    const allowed = new Set([...Object.keys(dependencies), ...builtinModules]);
    const imported = new Set<string>();
    for (const file of await readdir(path.join(installed, 'dist'), { recursive: true })) {
      if (!file.endsWith('.js')) continue;
      const code = await readFile(path.join(installed, 'dist', file), 'utf8');
      for (const [, specifier] of code.matchAll(/\bfrom '([^']+)'|\bimport\('([^']+)'\)/g)) {
        if (specifier && !specifier.startsWith('.')) imported.add(specifier.replace(/^node:/, ''));
      }
    }
    expect([...imported].filter((name) => !allowed.has(name))).toEqual([]);
    expect([...imported].sort()).toEqual([
      'cli-progress',
      'commander',
      'fs',
      'fs/promises',
      'timers/promises',
    ]);
    // And npm installed no Strongbox package beside it.
    expect(await readdir(path.join(consumer, 'node_modules/@strongbox'))).toEqual(['cli']);
  });

  it('runs --help and a backup against the stack, as the command npm linked', async () => {
    // Run as a shell runs it: the link in node_modules/.bin, its #! line, its mode.
    const bin = path.join(consumer, 'node_modules/.bin/strongbox');
    const env = { PATH: process.env.PATH ?? '', STRONGBOX_URL: stack.url };
    const help = await run(bin, ['--help'], { env });
    expect(help.stdout).toContain('Usage: strongbox [options] [command]');

    await makeFolder(stack, 'packed', { 'p.txt': 'packed' });
    const backup = await run(bin, ['backup', 'packed', '--wait'], { env });
    expect(backup.stderr).toBe('');
    expect(linesOf(backup.stdout).at(-1)).toMatch(
      /^backup [0-9a-f-]{36} packed: succeeded, snapshot packed\/\S+, 1 file, 6 B, 0 linked, /,
    );
  });
});
