import { spawn } from 'node:child_process';
import { lookUp } from '../find-binary.js';

export type PromtoolCheck = { run: true; path: string } | { run: false; reason: string };

/**
 * Whether the tests that check metrics and alert rules with Prometheus's own `promtool` can run:
 * they do when it is installed; in CI (`ci`) its absence is an error, since CI installs Debian's
 * `prometheus` package (.ci/run); elsewhere they are skipped, saying what to install.
 */
export function checkPromtool(options: { ci: boolean; find?: () => string | undefined }): PromtoolCheck {
  const path = (options.find ?? (() => lookUp(['promtool'])))();
  if (path !== undefined) return { run: true, path };
  if (options.ci) {
    throw new Error(
      "promtool is not installed, and CI must check the metrics and alert rules with it: install Debian's prometheus (apt-get install prometheus), as .ci/run does",
    );
  }
  return {
    run: false,
    reason:
      "Tests with promtool skipped: they need Debian's prometheus package (sudo apt-get install prometheus)",
  };
}

/** How a promtool run ended. */
export interface PromtoolRun {
  code: number | null;
  output: string;
}

/** Runs promtool with `args`, `input` on its stdin; answers its exit code and what it wrote. */
export function runPromtool(path: string, args: readonly string[], input = ''): Promise<PromtoolRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(path, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
    child.stdin.end(input);
  });
}
