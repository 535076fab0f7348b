import { SingleBar } from 'cli-progress';
import type { Job } from '../api/types.js';
import { barLine } from '../output/bar-line.js';
import type { Io } from '../output/io.js';
import { Rate } from '../output/rate.js';
import { type Reporter, writeNotice } from './reporter.js';

/** A terminal: one live bar, redrawn in place, cleared when waiting stops. */
export function barReporter(io: Io): Reporter {
  const rate = new Rate();
  const bar = new SingleBar({
    stream: io.stdout,
    format: '[{bar}] {detail}',
    barsize: 24,
    barCompleteChar: '\u2588',
    barIncompleteChar: '\u2591',
    hideCursor: true,
    clearOnComplete: true,
    emptyOnZero: true,
    fps: 5,
  });
  let started = false;
  return {
    update(job: Job, at: number) {
      if (job.status === 'running') rate.add(job.progress.bytesDone, at);
      const line = barLine(job, rate);
      if (!started) {
        bar.start(line.total, line.value, { detail: line.detail });
        started = true;
        return;
      }
      bar.setTotal(line.total);
      bar.update(line.value, { detail: line.detail });
    },
    notice(message) {
      // The bar is cleared for the line, and drawn again below it at the next answer.
      if (started) bar.stop();
      started = false;
      writeNotice(io, message);
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
