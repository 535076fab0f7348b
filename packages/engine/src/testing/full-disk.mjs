// Runs backups into a backup folder on a filesystem that is too small, from the built engine, and
// prints what happened as JSON lines. Run it where BACKUP_FOLDER is a small filesystem of its own
// (full-disk.test.ts mounts a 1 MiB tmpfs in a mount namespace of its own).
//   node full-disk.mjs <sourceRoot> <backupFolder> <file to delete between the two attempts>
import { readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { runBackup } from '../../dist/index.js';

const [sourceRoot, backupFolder, bigFile] = process.argv.slice(2);
const options = { sourceRoot, backupFolder, folder: 'f', jobId: 'job-1' };
const left = () => readdirSync(path.join(backupFolder, 'f')).sort();

try {
  await runBackup(options);
  console.log(JSON.stringify({ attempt: 1, ok: true }));
} catch (error) {
  console.log(JSON.stringify({ attempt: 1, code: error.code, transient: error.transient, left: left() }));
}
rmSync(bigFile);
const result = await runBackup(options);
console.log(JSON.stringify({ attempt: 2, files: result.files, left: left() }));
// The copy threads linger a while after the last backup (docs/engine.md): no need to wait for them.
process.exit(0);
