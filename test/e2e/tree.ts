import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import path from 'node:path';

/** Every entry below `root`: path, type, mode, mtime and content (or link target), sorted. */
export async function describeTree(root: string): Promise<string[]> {
  const lines: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const name of (await readdir(dir)).sort()) {
      const full = path.join(dir, name);
      const rel = path.relative(root, full);
      const stat = await lstat(full);
      const mode = (stat.mode & 0o7777).toString(8);
      if (stat.isSymbolicLink()) lines.push(`${rel} link ${await readlink(full)}`);
      else if (stat.isDirectory()) {
        lines.push(`${rel} dir ${mode}`);
        await walk(full);
      } else {
        const hash = (await readFile(full)).toString('base64');
        lines.push(`${rel} file ${mode} ${stat.mtimeMs} ${hash}`);
      }
    }
  };
  await walk(root);
  return lines;
}
