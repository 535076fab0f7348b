import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkPromtool, runPromtool } from '@strongbox/services/testing';
import { describe, expect, it } from 'vitest';

const promtool = checkPromtool({ ci: process.env.CI === 'true' });
if (!promtool.run) console.warn(promtool.reason);

const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../deploy/prometheus');

// Which metrics the rules read, and that the API exposes them, is checked in
// apps/api/src/plugins/metrics.test.ts; here, that the rules are valid and fire when they should.
describe.runIf(promtool.run)('deploy/prometheus/alerts.yml', () => {
  const run = (args: string[]) => runPromtool(promtool.run ? promtool.path : '', args);

  it('is a valid rule file with its two alerts', async () => {
    expect(await run(['check', 'rules', path.join(dir, 'alerts.yml')])).toEqual({
      code: 0,
      output: `Checking ${path.join(dir, 'alerts.yml')}\n  SUCCESS: 2 rules found\n\n`,
    });
  });

  it('alerts for a folder 26 h without a successful backup, and for jobs waiting 10 min with none running, and not before (promtool test rules)', async () => {
    const tested = await run(['test', 'rules', path.join(dir, 'alerts.test.yml')]);
    expect(tested.output).toContain('SUCCESS');
    expect(tested.code, tested.output).toBe(0);
  });
});
