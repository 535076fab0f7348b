// Load generation for bench-api.mjs: autocannon against the running API, and the floors measured the
// same way from this process (the same number of requests in flight, latencies of each one).
import autocannon from 'autocannon';

/**
 * Runs autocannon with `connections` requests in flight for `seconds` (or for `amount` requests),
 * after a warm-up of `warmupSeconds`. `next(n)` gives the n-th request ({ method, path, body }).
 * Answers req/s (2xx only), p50 and p99 in ms, and what went wrong.
 */
export async function loadApi({ url, connections, seconds, warmupSeconds, amount, next }) {
  const run = (options) =>
    autocannon({
      url,
      connections,
      timeout: 10,
      requests: [
        {
          setupRequest: (request) => {
            const { method = 'GET', path, body } = next(counter++);
            return {
              ...request,
              method,
              path,
              body: body === undefined ? undefined : JSON.stringify(body),
              headers: body === undefined ? {} : { 'content-type': 'application/json' },
            };
          },
        },
      ],
      ...options,
    });
  let counter = 0;
  if (warmupSeconds > 0 && amount === undefined) await run({ duration: warmupSeconds });
  const result = await run(amount === undefined ? { duration: seconds } : { amount });
  const ok = result['2xx'];
  return {
    reqPerSec: ok / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    requests: ok + result.non2xx,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    seconds: result.duration,
  };
}

/**
 * The floor of a piece of work: `connections` loops each doing `once(n)` back to back for
 * `seconds`, after a warm-up; the same figures as {@link loadApi}.
 */
export async function loadFloor({ connections, seconds, warmupSeconds, once }) {
  let counter = 0;
  const run = async (ms, latencies) => {
    const end = performance.now() + ms;
    let errors = 0;
    await Promise.all(
      Array.from({ length: connections }, async () => {
        while (performance.now() < end) {
          const started = performance.now();
          try {
            await once(counter++);
            latencies?.push(performance.now() - started);
          } catch {
            errors++;
          }
        }
      }),
    );
    return errors;
  };
  if (warmupSeconds > 0) await run(warmupSeconds * 1000);
  const latencies = [];
  const started = performance.now();
  const errors = await run(seconds * 1000, latencies);
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    reqPerSec: latencies.length / elapsed,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    requests: latencies.length + errors,
    non2xx: 0,
    errors,
    timeouts: 0,
    seconds: elapsed,
  };
}

/** The value below which a fraction `p` of the sorted `values` lie (nearest rank). */
export function percentile(sorted, p) {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
}
