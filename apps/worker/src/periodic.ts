/**
 * Runs `pass` now and then `intervalMs` after each pass ends, until the returned stop is called;
 * `now()` on the result runs a pass at once (after the one under way); `first` resolves once the
 * pass run now has ended, however it ended.
 */
export function every(intervalMs: number, pass: () => Promise<unknown>): Periodic {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();
  const tick = () => {
    clearTimeout(timer);
    running = running
      .then(pass)
      .catch(() => undefined)
      .finally(() => {
        if (!stopped) {
          clearTimeout(timer);
          timer = setTimeout(tick, intervalMs);
        }
      });
  };
  tick();
  const first = running.then(() => undefined);
  const stop = async () => {
    stopped = true;
    clearTimeout(timer);
    await running;
  };
  return Object.assign(stop, { now: () => (stopped ? undefined : tick()), first });
}

export type Periodic = (() => Promise<void>) & { now: () => void; first: Promise<void> };
