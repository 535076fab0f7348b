import { describe, expect, it } from 'vitest';
import { checkPromtool, runPromtool } from './promtool.js';

describe('checkPromtool', () => {
  it('runs the promtool tests when promtool is there, in CI or not', () => {
    for (const ci of [true, false]) {
      expect(checkPromtool({ ci, find: () => '/usr/bin/promtool' })).toEqual({
        run: true,
        path: '/usr/bin/promtool',
      });
    }
  });

  it('fails in CI when promtool is missing, saying what to install', () => {
    expect(() => checkPromtool({ ci: true, find: () => undefined })).toThrow(
      "promtool is not installed, and CI must check the metrics and alert rules with it: install Debian's prometheus (apt-get install prometheus), as .ci/run does",
    );
  });

  it('skips elsewhere when promtool is missing, saying what to install', () => {
    expect(checkPromtool({ ci: false, find: () => undefined })).toEqual({
      run: false,
      reason:
        "Tests with promtool skipped: they need Debian's prometheus package (sudo apt-get install prometheus)",
    });
  });
});

describe('runPromtool', () => {
  it("answers a program's exit code and everything it wrote, its input given on stdin", async () => {
    expect(await runPromtool('/bin/sh', ['-c', 'cat; echo oops >&2; exit 3'], 'in\n')).toEqual({
      code: 3,
      output: 'in\noops\n',
    });
  });
});
