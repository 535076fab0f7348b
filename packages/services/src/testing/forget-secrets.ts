import { forgetSecrets } from '@strongbox/config';
import { afterAll } from 'vitest';

// A worker process runs test files one after another with the modules it has imported
// (vitest.config.ts, `isolate: false`). The secret redaction is process-wide by design (every log
// line, log row and error answer of the API or a worker goes through it): one file's secrets are
// forgotten when it ends, so that they are never cut out of the next file's texts.
afterAll(() => {
  forgetSecrets();
});
