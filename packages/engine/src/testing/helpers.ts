import { spawnSync } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** A fresh directory with `src/` and `backup/` inside; remove it with `cleanup`. */
export async function workspace(): Promise<{
  dir: string;
  src: string;
  backup: string;
  cleanup: () => Promise<void>;
}> {
  const dir = await fsp.mkdtemp(path.join(tmpdir(), 'strongbox-engine-'));
  const src = path.join(dir, 'src');
  const backup = path.join(dir, 'backup');
  await fsp.mkdir(src);
  await fsp.mkdir(backup);
  return {
    dir,
    src,
    backup,
    cleanup: async () => {
      spawnSync('chmod', ['-R', 'u+rwx', dir]);
      await fsp.rm(dir, { recursive: true, force: true });
    },
  };
}

/** Writes files given as { 'a/b.txt': 'content' }, creating parents. */
export async function writeTree(root: string, files: Record<string, string | Buffer>): Promise<void> {
  for (const [rel, content] of Object.entries(files)) {
    const p = path.join(root, rel);
    await fsp.mkdir(path.dirname(p), { recursive: true });
    await fsp.writeFile(p, content);
  }
}

export interface TreeEntry {
  type: 'file' | 'dir' | 'symlink' | 'other';
  mode: number;
  mtimeNs: bigint;
  size: number;
  content?: string;
  target?: string;
}

/** Every entry below root (root itself as ''), by relative path, without following symlinks. */
export async function readTree(root: string): Promise<Map<string, TreeEntry>> {
  const out = new Map<string, TreeEntry>();
  const visit = async (abs: string, rel: string) => {
    const st = await fsp.lstat(abs, { bigint: true });
    const type = st.isFile() ? 'file' : st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'symlink' : 'other';
    const entry: TreeEntry = {
      type,
      mode: Number(st.mode & 0o7777n),
      mtimeNs: st.mtimeNs,
      size: Number(st.size),
    };
    if (type === 'file') entry.content = (await fsp.readFile(abs)).toString('base64');
    if (type === 'symlink') entry.target = await fsp.readlink(abs);
    out.set(rel, entry);
    if (type === 'dir') {
      for (const name of await fsp.readdir(abs))
        await visit(path.join(abs, name), rel ? `${rel}/${name}` : name);
    }
  };
  await visit(root, '');
  return out;
}

/** Lists every path below dir (to check nothing was written there). */
export async function listAll(dir: string): Promise<string[]> {
  return [...(await readTree(dir)).keys()].sort();
}

/** A pid that certainly does not run any more. */
export function deadPid(): number {
  const child = spawnSync('sh', ['-c', 'echo $$']);
  return Number(child.stdout.toString().trim());
}

/** Fails when `message` names an absolute path (a "/" at the start or after a space, quote, colon or parenthesis). */
export function absolutePathsIn(message: string): string[] {
  return message.match(/(?<=^|[\s'"(:=])\/[^\s'")]*/g) ?? [];
}

/** What a promise rejected with, or undefined when it resolved. */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  );
}

/** The layout record of a backup folder, as a backup folder of this version holds it. */
export const LAYOUT_RECORD = '{"format":"strongbox-backup-folder","version":1}\n';

/**
 * Sets the mtime of every directory below `dir` `ageMs` into the past, except snapshots and what
 * they hold: whatever else a backup folder holds then looks like work abandoned long ago.
 */
export async function ageAllButSnapshots(dir: string, ageMs: number): Promise<void> {
  const when = (Date.now() - ageMs) / 1000;
  const visit = async (p: string) => {
    for (const e of await fsp.readdir(p, { withFileTypes: true })) {
      if (e.isDirectory() && !/^\d{8}T\d{6}Z-[0-9a-f]{6}$/.test(e.name)) {
        await visit(path.join(p, e.name));
        await fsp.utimes(path.join(p, e.name), when, when);
      }
    }
  };
  await visit(dir);
}
