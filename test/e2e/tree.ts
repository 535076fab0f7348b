import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'vitest';

interface Entry {
  line: string;
  mtimeNs: bigint | null;
}

/** Every entry below `root`: path, type, mode and content (or link target), sorted, with mtimes. */
async function walkTree(root: string): Promise<Map<string, Entry>> {
  const entries = new Map<string, Entry>();
  const walk = async (dir: string): Promise<void> => {
    for (const name of (await readdir(dir)).sort()) {
      const full = path.join(dir, name);
      const rel = path.relative(root, full);
      const stat = await lstat(full, { bigint: true });
      const mode = (stat.mode & 0o7777n).toString(8);
      if (stat.isSymbolicLink()) entries.set(rel, { line: `link ${await readlink(full)}`, mtimeNs: null });
      else if (stat.isDirectory()) {
        entries.set(rel, { line: `dir ${mode}`, mtimeNs: null });
        await walk(full);
      } else {
        const content = (await readFile(full)).toString('base64');
        entries.set(rel, { line: `file ${mode} ${content}`, mtimeNs: stat.mtimeNs });
      }
    }
  };
  await walk(root);
  return entries;
}

/** A tree's shape for comparing: paths, types, modes, contents and link targets. */
export async function describeTree(root: string): Promise<string[]> {
  return [...(await walkTree(root))].map(([rel, entry]) => `${rel} ${entry.line}`);
}

/**
 * Asserts that two trees hold the same paths, types, modes, bytes and link targets, and that
 * every file's mtime agrees to the microsecond (what a JavaScript timestamp can carry).
 */
export async function expectSameTree(actual: string, expected: string): Promise<void> {
  const [a, b] = await Promise.all([walkTree(actual), walkTree(expected)]);
  expect([...a].map(([rel, e]) => `${rel} ${e.line}`)).toEqual([...b].map(([rel, e]) => `${rel} ${e.line}`));
  for (const [rel, entry] of b) {
    if (entry.mtimeNs === null) continue;
    const other = a.get(rel)?.mtimeNs ?? 0n;
    const drift = other > entry.mtimeNs ? other - entry.mtimeNs : entry.mtimeNs - other;
    expect(drift, `mtime of ${rel}`).toBeLessThan(1000n);
  }
}
