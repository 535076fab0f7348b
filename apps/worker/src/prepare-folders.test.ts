import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '@strongbox/config';
import { EngineError } from '@strongbox/engine';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { capturingLogger } from './testing/capturing-logger.js';
import { prepareFolders } from './worker.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'strongbox-worker-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const configFor = (backupFolder: string) => loadConfig({ SOURCE_ROOT: dir, BACKUP_FOLDER: backupFolder });

describe('prepareFolders', () => {
  it('creates BACKUP_FOLDER with its layout record', async () => {
    const backupFolder = path.join(dir, 'new/backup');
    const { logger } = capturingLogger();
    await prepareFolders(configFor(backupFolder), logger);
    expect(JSON.parse(await readFile(path.join(backupFolder, '.strongbox-layout'), 'utf8'))).toEqual({
      format: 'strongbox-backup-folder',
      version: 1,
    });
  });

  it('refuses to start on a backup folder of another layout, and logs why', async () => {
    const backupFolder = path.join(dir, 'old');
    await mkdir(path.join(backupFolder, 'photos'), { recursive: true });
    await writeFile(path.join(backupFolder, 'photos/20200101T000000Z-abcdef.manifest.jsonl'), '{}\n');
    const { logger, lines } = capturingLogger();
    const error = await prepareFolders(configFor(backupFolder), logger).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EngineError);
    expect((error as EngineError).code).toBe('UNKNOWN_LAYOUT');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 60,
      backupFolder,
      msg: `BACKUP_FOLDER cannot be used, the worker does not start: ${(error as EngineError).message}`,
    });
  });
});
