// One Strongbox operation on an object repository, in a process of its own, so that the bench can
// time it and take its peak RSS the way it does restic's. Run by bench-repository.mjs:
//   node scripts/bench-repository-strongbox.mjs '<json>'
// where json is { op: 'init' | 'backup' | 'restore' | 'prune', url, s3?, password, sourceRoot?,
// folder?, jobId?, snapshot?, target?, databaseUrl? }: with databaseUrl the repository uses that
// database's catalog (a prune needs it). Prints the operation's result as JSON on stdout.
import { ObjectRepository } from '@strongbox/engine/object';
import { storeFromUrl } from '@strongbox/storage';

const request = JSON.parse(process.argv[2]);
const store = await storeFromUrl(request.url, request.s3 ?? {});
// With a database, the catalog's blob index (as a worker has it), else one filled from the pack headers.
const catalog = request.databaseUrl ? await import('@strongbox/db') : null;
const db = catalog && (await catalog.connectDatabase(request.databaseUrl));
const repository = new ObjectRepository(store, {
  password: request.password,
  ...(db ? { index: (id) => catalog.catalogBlobIndex(db, id) } : {}),
});
let result;
try {
  if (request.op === 'init') {
    // A new repository in the empty location (config and key), as `npm run repository -- init`.
    await ObjectRepository.init(store, { password: request.password });
    result = {};
  } else if (request.op === 'backup') {
    result = await repository.backup(request.folder, {
      sourceRoot: request.sourceRoot,
      jobId: request.jobId,
    });
  } else if (request.op === 'restore') {
    result = await repository.restore(request.snapshot, {
      sourceRoot: request.sourceRoot,
      target: request.target,
    });
  } else if (request.op === 'prune') {
    // One prune, as the worker's prune job runs it: the catalog's side of it in the same database.
    if (!db) throw new Error('a prune needs the catalog: give databaseUrl');
    // Where the memory goes: the peak RSS since the previous point (sampled every 10 ms), and the
    // heap and buffers at each point the prune passes (the first point is after the open and catch-up).
    const started = performance.now();
    const phases = [];
    let peak = 0;
    const sample = () => {
      peak = Math.max(peak, process.memoryUsage.rss());
    };
    const sampler = setInterval(sample, 10);
    const at = (point) => {
      sample();
      const { heapUsed, external, arrayBuffers } = process.memoryUsage();
      const mib = (bytes) => Math.round(bytes / 2 ** 20);
      phases.push({
        point,
        ms: Math.round(performance.now() - started),
        peakRssMiB: mib(peak),
        heapUsedMiB: mib(heapUsed),
        externalMiB: mib(external + arrayBuffers),
      });
      peak = 0;
    };
    try {
      const report = await repository.prune(catalog.pruneCatalog(db, await repository.repositoryId()), {
        hooks: { at: (point) => (point === 'horizon' || point === 'marked' ? at(point) : undefined) },
      });
      at('done');
      result = { ...report, phases };
    } finally {
      clearInterval(sampler);
    }
  } else {
    throw new Error(`unknown operation ${JSON.stringify(request.op)}`);
  }
} finally {
  store.close();
  await db?.end();
}
process.stdout.write(JSON.stringify(result));
