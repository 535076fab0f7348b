// The table of bench-api.mjs: printed, and written into docs/benchmarks.md between its markers.
import fs from 'node:fs';

const START = '<!-- bench:api:start (written by npm run bench:api; edit the script, not this) -->';
const END = '<!-- bench:api:end -->';

const ms = (value) => (Number.isFinite(value) ? (value < 10 ? value.toFixed(1) : value.toFixed(0)) : '–');
const rate = (value) => Math.round(value).toLocaleString('en');
const ratio = (value) => `${value.toFixed(2)}×`;
const verdict = (met, detail) => `${met ? 'met' : '**not met**'} (${detail})`;

/**
 * Markdown for the measured rows (`{ work, size, result, floorOf? }`), the targets checked against
 * them, and the worker figures.
 */
export function formatReport({ rows, workers, when, machine, full }) {
  const find = (work, size) => rows.find((row) => row.work === work && row.size === size)?.result;
  const sizes = [...new Set(rows.filter((row) => row.size).map((row) => row.size))];
  const [small, large] = [sizes[0], sizes.at(-1)];
  const lines = [
    `Run of ${when}${full ? '' : ' (quick run: small sizes, short durations; not the documented figures)'}, ${machine}.`,
    'Each line: autocannon, 50 connections (or 1 where it says so), after a warm-up; the API logs at warn; the floors are measured from the bench process with 50 in flight. Ratios compare lines of this run only.',
    '',
    '| work | jobs and log rows | req/s | p50 ms | p99 ms | ratio |',
    '|---|---|---|---|---|---|',
  ];
  for (const row of rows) {
    const { result } = row;
    const floor = row.floorOf ? find(row.floorOf, row.size) : undefined;
    const http = row.floorOf ? find('floor: GET /health (HTTP alone)', row.size) : undefined;
    const note = [
      floor && `${ratio(result.reqPerSec / floor.reqPerSec)} of durable INSERT`,
      http && `${ratio(result.reqPerSec / http.reqPerSec)} of GET /health`,
    ]
      .filter(Boolean)
      .join(', ');
    const problems =
      result.non2xx + result.errors > 0 ? ` (${result.non2xx} non-2xx, ${result.errors} errors)` : '';
    lines.push(
      `| ${row.work}${problems} | ${row.size ? row.size.toLocaleString('en') : '–'} | ${rate(result.reqPerSec)} | ${ms(result.p50)} | ${ms(result.p99)} | ${note} |`,
    );
  }
  lines.push('', '| target | measured | met? |', '|---|---|---|');
  for (const size of sizes) {
    const post = find('POST /backups, no workers', size);
    const floor = find('floor: durable INSERT', size);
    if (post && floor) {
      const r = post.reqPerSec / floor.reqPerSec;
      lines.push(
        `| POST /backups ≥ 0.6× durable INSERT, p99 < 50 ms (${size.toLocaleString('en')} jobs) | ${ratio(r)}, p99 ${ms(post.p99)} ms | ${verdict(r >= 0.6 && post.p99 < 50, `${ratio(r)} of 0.6×, p99 ${ms(post.p99)} of 50 ms`)} |`,
      );
    }
  }
  const withWorkers = find('POST /backups, 2 workers running', undefined);
  const lastFloor = find('floor: durable INSERT', large);
  if (withWorkers && lastFloor) {
    const r = withWorkers.reqPerSec / lastFloor.reqPerSec;
    lines.push(
      `| POST /backups with workers running ≥ 0.6× durable INSERT, p99 < 50 ms | ${ratio(r)}, p99 ${ms(withWorkers.p99)} ms | ${verdict(r >= 0.6 && withWorkers.p99 < 50, 'ratio to the floor measured without workers')} |`,
    );
  }
  for (const work of ['GET /stats', 'GET /logs, one day']) {
    const a = find(work, small);
    const b = find(work, large);
    if (!a || !b) continue;
    const growth = b.p50 / a.p50;
    lines.push(
      `| ${work}: p99 < 20 ms at ${large.toLocaleString('en')}, ≤ 1.5× its time at ${small.toLocaleString('en')} | p99 ${ms(b.p99)} ms; p50 ${ms(b.p50)} vs ${ms(a.p50)} ms (${ratio(growth)}) | ${verdict(b.p99 < 20 && growth <= 1.5, `p99 ${ms(b.p99)} of 20 ms, ${ratio(growth)} of 1.5×`)} |`,
    );
  }
  const single = rows.filter((row) => row.work.endsWith('1 connection'));
  const pages = rows.filter((row) => row.work.startsWith('GET /backups?limit=100') && !single.includes(row));
  if (pages.length) {
    const worst = Math.max(...pages.map((row) => row.result.p99));
    lines.push(
      `| job pages p99 < 20 ms at any depth | worst p99 ${ms(worst)} ms over ${pages.length} lines | ${verdict(worst < 20, `${ms(worst)} of 20 ms`)} |`,
    );
  }
  for (const row of single) {
    lines.push(
      `| ${row.work.replace(', 1 connection', '')}, one request at a time, p99 < 20 ms (${row.size.toLocaleString('en')}) | p99 ${ms(row.result.p99)} ms | ${verdict(row.result.p99 < 20, 'not the target, which is at 50 connections; the time of one request')} |`,
    );
  }
  if (workers) {
    lines.push(
      '',
      `Workers: ${workers.folders.toLocaleString('en')} folders of ${workers.files} files, POSTed at once, WORKER_CONCURRENCY=${workers.concurrency} per process.`,
      '',
      '| worker processes | jobs/min | not succeeded |',
      '|---|---|---|',
      ...workers.throughput.map((t) => `| ${t.processes} | ${rate(t.jobsPerMinute)} | ${t.notSucceeded} |`),
      '',
      `| POST to \`running\`, one idle worker (${workers.latency.samples} jobs, MySQL's created_at to started_at) | p50 ${ms(workers.latency.p50)} ms, max ${ms(workers.latency.max)} ms | ${verdict(workers.latency.max <= 50, 'target: within 50 ms')} |`,
    );
  }
  return lines.join('\n');
}

/**
 * Markdown for POST /backups at each number of connections beside the durable-insert floor at the
 * same number (rows `{ work, connections, result }`), with the ratio and the target (≥ 0.6×), then
 * the other lines measured (the breakdown).
 */
export function formatPostReport(rows) {
  const find = (work, connections) =>
    rows.find((row) => row.work === work && row.connections === connections)?.result;
  const lines = [
    '| connections | POST /backups req/s | p50 ms | p99 ms | durable INSERT /s | p50 ms | p99 ms | ratio | ≥ 0.6×? |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  const breakdown = [];
  for (const row of rows) {
    if (row.work !== 'POST /backups') {
      if (row.work !== 'floor: durable INSERT') breakdown.push(row);
      continue;
    }
    const post = row.result;
    const floor = find('floor: durable INSERT', row.connections);
    const r = floor ? post.reqPerSec / floor.reqPerSec : Number.NaN;
    const problems = post.non2xx + post.errors > 0 ? ` (${post.non2xx} non-2xx, ${post.errors} errors)` : '';
    lines.push(
      `| ${row.connections}${problems} | ${rate(post.reqPerSec)} | ${ms(post.p50)} | ${ms(post.p99)} | ${floor ? `${rate(floor.reqPerSec)} | ${ms(floor.p50)} | ${ms(floor.p99)}` : '– | – | –'} | ${ratio(r)} | ${r >= 0.6 ? 'met' : '**not met**'} |`,
    );
  }
  if (breakdown.length) {
    lines.push('', '| beside it | connections | /s | p50 ms | p99 ms |', '|---|---|---|---|---|');
    for (const row of breakdown) {
      lines.push(
        `| ${row.work} | ${row.connections} | ${rate(row.result.reqPerSec)} | ${ms(row.result.p50)} | ${ms(row.result.p99)} |`,
      );
    }
  }
  return lines.join('\n');
}

/** Replaces what is between the markers of `file` with `text` (markers appended when absent). */
export function writeSection(file, heading, text) {
  const doc = fs.readFileSync(file, 'utf8');
  const section = `${START}\n${text}\n${END}`;
  const start = doc.indexOf(START);
  const end = doc.indexOf(END);
  const next =
    start >= 0 && end > start
      ? `${doc.slice(0, start)}${section}${doc.slice(end + END.length)}`
      : `${doc.trimEnd()}\n\n${heading}\n\n${section}\n`;
  fs.writeFileSync(file, next);
}
