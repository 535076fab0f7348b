import { describe, expect, it } from 'vitest';
import type { JobProgress } from '../api/types.js';
import { jobOf } from '../testing/jobs.js';
import { barLine } from './bar-line.js';
import { Rate } from './rate.js';

const MiB = 1024 * 1024;

function running(progress: JobProgress) {
  return jobOf({ status: 'running', worker: 'vm:1', progress });
}

describe('barLine', () => {
  it('shows an empty bar and says the job waits for a worker while it is queued', () => {
    expect(barLine(jobOf(), new Rate())).toEqual({
      value: 0,
      total: 0,
      detail: 'backup queued, waiting for a worker',
    });
  });

  it('keeps the bar empty and shows ? while the totals are not counted', () => {
    const line = barLine(
      running({ filesDone: 64, filesTotal: null, bytesDone: 312, bytesTotal: null }),
      new Rate(),
    );
    expect(line).toEqual({ value: 0, total: 0, detail: '64/? files | 312 B/?' });
  });

  it('fills the bar by bytes and shows percent, files, bytes, speed and time left', () => {
    const rate = new Rate();
    rate.add(0, 0);
    rate.add(100 * MiB, 2000);
    const line = barLine(
      running({ filesDone: 120, filesTotal: 300, bytesDone: 100 * MiB, bytesTotal: 400 * MiB }),
      rate,
    );
    expect(line).toEqual({
      value: 100 * MiB,
      total: 400 * MiB,
      detail: '25% | 120/300 files | 100 MiB/400 MiB | 50.0 MiB/s | ETA 6 s',
    });
  });

  it('shows 100% for a folder with no bytes', () => {
    const line = barLine(running({ filesDone: 0, filesTotal: 0, bytesDone: 0, bytesTotal: 0 }), new Rate());
    expect(line.detail).toBe('100% | 0/0 files | 0 B/0 B');
  });
});
