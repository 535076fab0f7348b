import { Writable } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { DATABASE_BUSY_ANSWER } from '../../testing/answers.js';
import { holdJobCounts, lockWaits, startTestApp, type TestApp } from '../../testing/test-app.js';

// The app's connections wait at most 1 s for a lock; a transaction of the test holds the job
// counts of backups, which recording a backup must update, so every attempt the API makes ends in
// a lock wait timeout (ER_LOCK_WAIT_TIMEOUT), as a transaction that deadlocks at every attempt does.
let t: TestApp;
let blocker: { release(): Promise<void> } | null = null;
const logged: { msg?: string; err?: Record<string, unknown> }[] = [];

beforeAll(async () => {
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) logged.push(JSON.parse(line));
      done();
    },
  });
  t = await startTestApp({ lockWaitTimeoutSeconds: 1, logger: { level: 'error', stream } });
});

afterEach(async () => {
  await blocker?.release();
  blocker = null;
});

afterAll(async () => {
  await t?.close();
});

function post(folder: string) {
  return t.app.inject({
    method: 'POST',
    url: '/backups',
    payload: { folder },
    headers: { 'idempotency-key': `busy-${folder}` },
  });
}

describe('a write MySQL refuses at every attempt', () => {
  it('answers 503 DATABASE_BUSY with Retry-After: 1 after 5 attempts, records nothing, and the same request with the same key succeeds later', async () => {
    blocker = await holdJobCounts(t.db);
    const refused = await post('photos/busy');
    expect(refused.statusCode).toBe(503);
    expect(refused.headers['retry-after']).toBe('1');
    expect(refused.json()).toEqual(DATABASE_BUSY_ANSWER);
    // The log has the whole error: the number of attempts, and what the server said at the last.
    expect(logged.filter((line) => line.msg === 'request failed').map((line) => line.err)).toEqual([
      expect.objectContaining({ type: 'DatabaseBusyError', code: 'DATABASE_BUSY', attempts: 5 }),
    ]);
    const [rows] = await t.db.query("SELECT COUNT(*) AS n FROM backup_job WHERE folder = 'photos/busy'");
    expect(Number((rows as { n: number }[])[0]?.n)).toBe(0);

    await blocker?.release();
    const accepted = await post('photos/busy');
    expect(accepted.statusCode).toBe(202);
    expect(accepted.json()).toMatchObject({ folder: 'photos/busy', status: 'queued', attempts: 0 });
    const again = await post('photos/busy');
    expect(again.statusCode).toBe(202);
    expect(again.json().id).toBe(accepted.json().id);
  });

  it('fails every request of a batch whose transaction it refuses with the same 503 DATABASE_BUSY, and records none of them', async () => {
    blocker = await holdJobCounts(t.db);
    const before = logged.length;
    // The first request is a batch alone; the two that come while it is tried are the next batch.
    const lone = post('photos/busy-lone');
    await lockWaits(t.db, 1);
    const together = [post('photos/busy-a'), post('photos/busy-b')];
    await vi.waitFor(() => expect(t.app.jobBatches.waiting()).toBe(2));
    for (const refused of [await lone, ...(await Promise.all(together))]) {
      expect(refused.statusCode).toBe(503);
      expect(refused.headers['retry-after']).toBe('1');
      expect(refused.json()).toEqual(DATABASE_BUSY_ANSWER);
    }
    expect(
      logged
        .slice(before)
        .filter((line) => line.msg === 'request failed')
        .map((line) => line.err),
    ).toEqual(
      Array(3).fill(
        expect.objectContaining({ type: 'DatabaseBusyError', code: 'DATABASE_BUSY', attempts: 5 }),
      ),
    );
    const [rows] = await t.db.query("SELECT COUNT(*) AS n FROM backup_job WHERE folder LIKE 'photos/busy-%'");
    expect(Number((rows as { n: number }[])[0]?.n)).toBe(0);
  }, 60_000);
});
