// Runs one engine call in a process of its own, from the built engine, and SIGKILLs itself at the
// step named: what it leaves behind is exactly what a worker killed there leaves.
//   node kill-at.mjs backup <step> '<runBackup options as JSON>'
//     <step>: staging-created | header-written | mid-copy | manifest-renamed | snapshot-renamed
//   node kill-at.mjs sweep mid-cleanup '<sweepFolder options as JSON>'
// Exits 3 when the step was never reached.
import { rmSync } from 'node:fs';
import path from 'node:path';
import { runBackup, sweepFolder } from '../../dist/index.js';

const [call, step, json] = process.argv.slice(2);
const options = JSON.parse(json ?? '{}');
const die = () => process.kill(process.pid, 'SIGKILL');
let directories = 0;

if (call === 'backup') {
  await runBackup({
    ...options,
    hooks: {
      at: (reached) => {
        if (reached === step) die();
      },
      // The third directory opened: files of the first two have been handed to the copy threads.
      beforeOpenDirectory: () => {
        if (step === 'mid-copy' && ++directories === 3) die();
      },
    },
  });
} else if (call === 'sweep' && step === 'mid-cleanup') {
  await sweepFolder({
    ...options,
    hooks: {
      // Half of the tombstone's tree is gone when the process dies, as in a recursive rm cut off.
      afterTombstone: (tombstone) => {
        rmSync(path.join(tombstone, 'tree', 'd0'), { recursive: true, force: true });
        rmSync(path.join(tombstone, 'manifest.jsonl'), { force: true });
        die();
      },
    },
  });
}
process.exit(3);
