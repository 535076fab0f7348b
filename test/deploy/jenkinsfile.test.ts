import { execFile } from 'node:child_process';
import { access, constants, copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
// The command-line entry of npm-groovy-lint (its package exports only the library).
const LINT = path.join(path.dirname(fileURLToPath(import.meta.resolve('npm-groovy-lint'))), 'index.js');

interface LintError {
  rule: string;
  severity: 'error' | 'warning' | 'info';
  line: number;
  msg: string;
}

let scratch: string;
let results: Record<string, LintError[]>;

// npm-groovy-lint parses with Groovy and lints with CodeNarc, in Java (17 here). One run for both
// files: the JVM takes most of the time.
beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'strongbox-jenkinsfile-'));
  await mkdir(path.join(scratch, 'good'));
  await mkdir(path.join(scratch, 'broken'));
  await copyFile(path.join(repo, 'Jenkinsfile'), path.join(scratch, 'good', 'Jenkinsfile'));
  await copyFile(path.join(repo, '.groovylintrc.json'), path.join(scratch, '.groovylintrc.json'));
  const text = await readFile(path.join(repo, 'Jenkinsfile'), 'utf8');
  // The same pipeline with one closing brace of a stage missing.
  await writeFile(path.join(scratch, 'broken', 'Jenkinsfile'), text.replace(/\n {8}}\n/, '\n'));
  const { stdout } = await run(
    process.execPath,
    [LINT, '--noserver', '--output', 'json', '--failon', 'none', 'good/Jenkinsfile', 'broken/Jenkinsfile'],
    { cwd: scratch, maxBuffer: 16 * 1024 * 1024 },
  );
  const report = JSON.parse(stdout) as { files: Record<string, { errors: LintError[] }> };
  results = Object.fromEntries(
    Object.entries(report.files).map(([file, { errors }]) => [
      path.relative(scratch, path.resolve(scratch, file)),
      errors,
    ]),
  );
}, 300_000);

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describe('Jenkinsfile', () => {
  it('parses as Groovy and passes the Jenkinsfile lint rules with no error or warning', () => {
    const problems = results['good/Jenkinsfile']!.filter((error) => error.severity !== 'info');
    expect(problems).toEqual([]);
  });

  it('would fail on a syntax error: the parser reports the same file with a brace missing', () => {
    const errors = results['broken/Jenkinsfile']!.filter((error) => error.severity === 'error');
    expect(errors.map((error) => error.rule)).toContain('NglParseError');
  });

  it('takes REGISTRY_URL and REGISTRY_CREDENTIALS as parameters and pushes with those credentials', async () => {
    const text = await readFile(path.join(repo, 'Jenkinsfile'), 'utf8');
    expect(text).toMatch(/string\(name: 'REGISTRY_URL'/);
    expect(text).toMatch(/string\(name: 'REGISTRY_CREDENTIALS'/);
    expect(text).toMatch(/usernamePassword\(credentialsId: params\.REGISTRY_CREDENTIALS/);
  });

  it('calls only scripts that exist in deploy/ and are executable', async () => {
    const text = await readFile(path.join(repo, 'Jenkinsfile'), 'utf8');
    const scripts = [...new Set([...text.matchAll(/\b(deploy\/[\w.-]+\.sh)\b/g)].map((match) => match[1]!))];
    expect(scripts.sort()).toEqual([
      'deploy/build-images.sh',
      'deploy/deploy-k8s.sh',
      'deploy/image-tags.sh',
      'deploy/push-images.sh',
      'deploy/smoke.sh',
      'deploy/test-with-sidecars.sh',
    ]);
    for (const script of scripts) await access(path.join(repo, script), constants.X_OK);
  });
});
