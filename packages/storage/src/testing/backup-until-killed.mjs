// Runs one backup into an object repository in a process of its own, from the built packages, and
// reports over IPC each data pack as soon as the store has it; after the `packs`-th (and every further
// put) it waits for ever, so that the test can SIGKILL it there: what it leaves is what a worker killed mid-upload
// leaves. The options come over IPC (never argv: they hold the password):
//   { url, s3, password, scrypt, packTarget, sourceRoot, folder, jobId, packs }
import { ObjectRepository } from '@strongbox/engine/object';
import { storeFromUrl } from '../../dist/index.js';
import { forever } from './forever.mjs';

process.once('message', async (options) => {
  const store = await storeFromUrl(options.url, options.s3);
  let started = 0;
  const watched = {
    put: async (name, bytes) => {
      if (!name.startsWith('data/')) return store.put(name, bytes);
      // Packs upload while the backup reads on: those past the `packs`-th are never stored.
      if (++started > options.packs) return forever();
      await store.put(name, bytes);
      process.send({ pack: name });
      if (started === options.packs) await forever();
    },
    putIfAbsent: (name, bytes) => store.putIfAbsent(name, bytes),
    get: (name) => store.get(name),
    getRange: (name, offset, length) => store.getRange(name, offset, length),
    head: (name) => store.head(name),
    list: (prefix) => store.list(prefix),
    delete: (name) => store.delete(name),
  };
  const repository = new ObjectRepository(watched, {
    password: options.password,
    scrypt: options.scrypt,
    packTarget: options.packTarget,
  });
  const result = await repository.backup(options.folder, {
    sourceRoot: options.sourceRoot,
    jobId: options.jobId,
  });
  process.send({ finished: result.snapshot });
  process.exit(0);
});
