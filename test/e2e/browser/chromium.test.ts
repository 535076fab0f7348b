import { describe, expect, it } from 'vitest';
import { checkChromium } from './chromium.js';

describe('checkChromium', () => {
  it('runs the browser tests when Chromium is there, in CI or not', () => {
    for (const ci of [true, false]) {
      expect(checkChromium({ ci, exists: () => true })).toEqual({
        run: true,
        executablePath: '/usr/bin/chromium',
      });
    }
  });

  it('fails in CI when Chromium is missing, saying what to install', () => {
    expect(() => checkChromium({ ci: true, exists: () => false })).toThrow(
      "Chromium is not at /usr/bin/chromium, and CI must run the browser tests: install Debian's chromium (apt-get install chromium), as .ci/run does",
    );
  });

  it('skips on a developer machine without Chromium, saying what to install', () => {
    expect(checkChromium({ ci: false, exists: () => false })).toEqual({
      run: false,
      reason:
        "Browser tests skipped: they need Debian's Chromium at /usr/bin/chromium (sudo apt-get install chromium)",
    });
  });

  it('looks where it is told', () => {
    const looked: string[] = [];
    checkChromium({
      ci: false,
      executablePath: '/opt/chromium',
      exists: (path) => {
        looked.push(path);
        return false;
      },
    });
    expect(looked).toEqual(['/opt/chromium']);
  });
});
