import { existsSync } from 'node:fs';

/** Debian's Chromium, which the browser tests drive; never a browser download of a test tool. */
export const CHROMIUM = '/usr/bin/chromium';

/**
 * What Chromium needs on this machine: headless, no sandbox (CI runs as root), a fresh profile
 * (Playwright gives each launch one), and none of the background networking that a closed network
 * refuses and that would show up as errors.
 */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  '--disable-gpu',
];

export type ChromiumCheck = { run: true; executablePath: string } | { run: false; reason: string };

/** Options for {@link checkChromium}. */
export interface ChromiumCheckOptions {
  /** Whether this is CI (`CI=true`), where the browser tests must run. */
  ci: boolean;
  /** @defaultValue {@link CHROMIUM} */
  executablePath?: string;
  /** @defaultValue `existsSync` */
  exists?: (path: string) => boolean;
}

/**
 * Whether the browser tests can run: they do when Chromium is installed; in CI its absence is an
 * error (CI installs it), and on a developer's machine the tests are skipped with what to install.
 */
export function checkChromium(options: ChromiumCheckOptions): ChromiumCheck {
  const executablePath = options.executablePath ?? CHROMIUM;
  if ((options.exists ?? existsSync)(executablePath)) return { run: true, executablePath };
  if (options.ci) {
    throw new Error(
      `Chromium is not at ${executablePath}, and CI must run the browser tests: install Debian's chromium (apt-get install chromium), as .ci/run does`,
    );
  }
  return {
    run: false,
    reason: `Browser tests skipped: they need Debian's Chromium at ${executablePath} (sudo apt-get install chromium)`,
  };
}
