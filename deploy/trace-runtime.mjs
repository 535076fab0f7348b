// Copies into an output folder exactly the files Node loads from the given entry points, as a file
// tracer follows their imports and requires (including files read by path next to a module), plus
// the asset folders named with --asset, which code serves by a path it builds at run time.
// Used by Dockerfile.api, so that the image holds what the API runs and nothing else.
//
//   node trace-runtime.mjs --root /app --out /out --asset node_modules/x/dist apps/api/dist/main.js …
import { cp, lstat, mkdir, readlink, symlink } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { nodeFileTrace } from '@vercel/nft';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    root: { type: 'string' },
    out: { type: 'string' },
    asset: { type: 'string', multiple: true, default: [] },
  },
});
if (!values.root || !values.out || positionals.length === 0) {
  console.error('usage: trace-runtime.mjs --root DIR --out DIR [--asset DIR]… ENTRY…');
  process.exit(2);
}
const root = path.resolve(values.root);
const { fileList } = await nodeFileTrace(
  positionals.map((entry) => path.join(root, entry)),
  { base: root },
);
const files = [...fileList, ...values.asset];
for (const asset of values.asset) {
  if (!(await lstat(path.join(root, asset)).catch(() => null))) {
    console.error(`trace-runtime: asset folder ${asset} does not exist`);
    process.exit(1);
  }
}
let copied = 0;
for (const file of files) {
  const from = path.join(root, file);
  const to = path.join(values.out, file);
  await mkdir(path.dirname(to), { recursive: true });
  const stats = await lstat(from);
  // Workspace packages are linked into node_modules: keep the links as links.
  if (stats.isSymbolicLink()) {
    await symlink(await readlink(from), to).catch((error) => {
      if (error.code !== 'EEXIST') throw error;
    });
  } else {
    await cp(from, to, { recursive: stats.isDirectory(), preserveTimestamps: true, force: true });
  }
  copied++;
}
console.log(`trace-runtime: ${copied} files and folders from ${positionals.join(', ')}`);
