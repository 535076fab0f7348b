import { mutatedFolder, validFolder } from '@strongbox/contract/testing';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { succeededBackup } from '../../testing/jobs.js';
import { startTestApp, type TestApp } from '../../testing/test-app.js';

let t: TestApp;
let backupId: string;

beforeAll(async () => {
  t = await startTestApp();
  backupId = (await succeededBackup(t.db, 'property/source')).id;
});

afterAll(async () => {
  await t?.close();
});

const post = (url: string, payload: unknown) =>
  t.app.inject({ method: 'POST', url, payload: payload as object });

/** Values of every JSON type but a string. */
const notAString = fc.oneof(
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), { maxKeys: 3 }),
);

describe('the request schemas, on generated bodies', () => {
  it('accept every acceptable folder in POST /backups, recording it unchanged', async () => {
    await fc.assert(
      fc.asyncProperty(validFolder, async (folder) => {
        const answer = await post('/backups', { folder });
        expect(answer.statusCode).toBe(202);
        expect(answer.json().folder).toBe(folder);
      }),
      { numRuns: 60 },
    );
  });

  it('refuse every spoiled folder with 400 INVALID_FOLDER', async () => {
    await fc.assert(
      fc.asyncProperty(mutatedFolder, async ({ mutated }) => {
        const answer = await post('/backups', { folder: mutated });
        expect({ status: answer.statusCode, code: answer.json().code }).toEqual({
          status: 400,
          code: 'INVALID_FOLDER',
        });
      }),
      { numRuns: 150 },
    );
  });

  it('refuse a folder of any other JSON type with 400 VALIDATION', async () => {
    await fc.assert(
      fc.asyncProperty(notAString, async (folder) => {
        const answer = await post('/backups', { folder });
        expect({ status: answer.statusCode, code: answer.json().code }).toEqual({
          status: 400,
          code: 'VALIDATION',
        });
      }),
      { numRuns: 60 },
    );
  });

  it('accept every acceptable restore target and path', async () => {
    await fc.assert(
      fc.asyncProperty(validFolder, fc.option(validFolder), async (target, path) => {
        const body = path === null ? { target } : { target, path };
        const answer = await post(`/backups/${backupId}/restore`, body);
        expect(answer.statusCode).toBe(202);
        expect(answer.json().params).toEqual({ backupId, ...body });
      }),
      { numRuns: 60 },
    );
  });

  it('refuse a spoiled target with 400 INVALID_TARGET and a spoiled path with 400 INVALID_PATH', async () => {
    await fc.assert(
      fc.asyncProperty(mutatedFolder, validFolder, fc.boolean(), async ({ mutated }, fine, spoilTarget) => {
        const body = spoilTarget ? { target: mutated, path: fine } : { target: fine, path: mutated };
        const answer = await post(`/backups/${backupId}/restore`, body);
        expect({ status: answer.statusCode, code: answer.json().code }).toEqual({
          status: 400,
          code: spoilTarget ? 'INVALID_TARGET' : 'INVALID_PATH',
        });
      }),
      { numRuns: 150 },
    );
  });
});
