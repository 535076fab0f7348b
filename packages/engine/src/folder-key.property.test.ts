import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { validFolder } from '@strongbox/contract/testing';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeFolderKey, folderKey, isFolderKey } from './local-tree/layout.js';

const HASH_FORM = /^~[0-9a-f]{64}$/;

describe('the folder-to-layout encoding, on generated folders', () => {
  it('is one path component of at most 255 bytes that no engine file can be named, and decodes back', () => {
    fc.assert(
      fc.property(validFolder, (folder) => {
        const key = folderKey(folder);
        expect(key).not.toContain('/');
        expect(key).not.toBe('');
        // Names starting with "." are the engine's own (staging, tombstones, the layout record).
        expect(key.startsWith('.')).toBe(false);
        expect(Buffer.byteLength(key)).toBeLessThanOrEqual(255);
        expect(isFolderKey(key)).toBe(true);
        if (key.startsWith('~')) {
          expect(key).toMatch(HASH_FORM);
          expect(key).toBe(`~${createHash('sha256').update(folder).digest('hex')}`);
          expect(decodeFolderKey(key)).toBeNull();
        } else {
          expect(decodeFolderKey(key)).toBe(folder);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('is injective: distinct folders never share a key', () => {
    fc.assert(
      fc.property(fc.uniqueArray(validFolder, { minLength: 2, maxLength: 40 }), (folders) => {
        expect(new Set(folders.map(folderKey)).size).toBe(folders.length);
      }),
      { numRuns: 300 },
    );
  });

  it('keeps folders that differ only by how a "/", "%", "." or "~" is written apart', () => {
    fc.assert(
      fc.property(validFolder, (folder) => {
        const lookalikes = [
          folder.replaceAll('/', '%2F'),
          folder.replaceAll('%', '%25'),
          `%2E${folder}`,
          `%7E${folder}`,
          `.${folder}`,
          `~${folder}`,
        ].filter((other) => other !== folder && Buffer.byteLength(other) <= 1000);
        for (const other of lookalikes) expect(folderKey(other)).not.toBe(folderKey(folder));
      }),
      { numRuns: 500 },
    );
  });

  describe('on a real filesystem', () => {
    let dir: string;
    beforeAll(async () => {
      dir = await fsp.mkdtemp(path.join(tmpdir(), 'strongbox-keys-'));
    });
    afterAll(async () => {
      await fsp.rm(dir, { recursive: true, force: true });
    });

    it('gives each folder a directory of its own, side by side, that reads back as its key', async () => {
      await fc.assert(
        fc.asyncProperty(fc.uniqueArray(validFolder, { minLength: 1, maxLength: 12 }), async (folders) => {
          const root = await fsp.mkdtemp(path.join(dir, 'b-'));
          for (const folder of folders) await fsp.mkdir(path.join(root, folderKey(folder)));
          const names = await fsp.readdir(root);
          expect(names.sort()).toEqual(folders.map(folderKey).sort());
          for (const name of names) {
            const decoded = decodeFolderKey(name);
            if (decoded !== null) expect(folders).toContain(decoded);
          }
          await fsp.rm(root, { recursive: true });
        }),
        { numRuns: 60 },
      );
    });
  });
});
