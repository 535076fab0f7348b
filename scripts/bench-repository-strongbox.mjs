// One Strongbox operation on an object repository, in a process of its own, so that the bench can
// time it and take its peak RSS the way it does restic's. Run by bench-repository.mjs:
//   node scripts/bench-repository-strongbox.mjs '<json>'
// where json is { op: 'init' | 'backup' | 'restore', url, s3?, password, sourceRoot, folder?,
// jobId?, snapshot?, target? }. Prints the operation's result as JSON on stdout.
import { ObjectRepository } from '@strongbox/engine/object';
import { storeFromUrl } from '@strongbox/storage';

const request = JSON.parse(process.argv[2]);
const store = await storeFromUrl(request.url, request.s3 ?? {});
const repository = new ObjectRepository(store, { password: request.password });
let result;
try {
  if (request.op === 'init') {
    // An empty location: creates the repository there (config and key).
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
  } else {
    throw new Error(`unknown operation ${JSON.stringify(request.op)}`);
  }
} finally {
  store.close();
}
process.stdout.write(JSON.stringify(result));
