// Runs one prune of an object repository, with the catalog in MySQL, in a process of its own, from
// the built packages, and reports over IPC each point the prune reaches; at the first `stopAt` point
// it waits for ever, so that the test can SIGKILL it there: what it leaves is what a worker killed
// mid-prune leaves. The options come over IPC (never argv: they hold the password):
//   { url, s3, password, databaseUrl, stopAt }
import { catalogBlobIndex, connectDatabase, pruneCatalog } from '@strongbox/db';
import { ObjectRepository } from '@strongbox/engine/object';
import { storeFromUrl } from '../../dist/index.js';
import { forever } from './forever.mjs';

process.once('message', async (options) => {
  const store = await storeFromUrl(options.url, options.s3);
  const db = await connectDatabase(options.databaseUrl, { connectionLimit: 2 });
  const repository = new ObjectRepository(store, {
    password: options.password,
    index: (repositoryId) => catalogBlobIndex(db, repositoryId),
  });
  const report = await repository.prune(pruneCatalog(db, await repository.repositoryId()), {
    hooks: {
      at: async (point, detail) => {
        process.send({ point, detail });
        if (point === options.stopAt) await forever();
      },
    },
  });
  process.send({ finished: report });
  process.exit(0);
});
