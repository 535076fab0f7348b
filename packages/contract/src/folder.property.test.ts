import { mutatedFolder, validFolder } from '@strongbox/contract/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { folderSchema, PATH_ERROR_CODES, pathProblem, pathSchema, targetSchema } from './folder.js';

const schemas = { folder: folderSchema, target: targetSchema, path: pathSchema } as const;

describe('the folder rule, on generated folders', () => {
  it('accepts every acceptable folder as folder, target and path, unchanged', () => {
    fc.assert(
      fc.property(validFolder, (folder) => {
        expect(pathProblem(folder)).toBeNull();
        for (const schema of Object.values(schemas)) expect(schema.parse(folder)).toBe(folder);
      }),
      { numRuns: 500 },
    );
  });

  it('refuses every spoiled folder with the documented code, quoting at most 100 characters', () => {
    fc.assert(
      fc.property(mutatedFolder, ({ mutated }) => {
        for (const [subject, schema] of Object.entries(schemas)) {
          const parsed = schema.safeParse(mutated);
          expect(parsed.success).toBe(false);
          const issue = parsed.error?.issues[0] as { params?: { code?: string }; message: string };
          expect(issue.params?.code).toBe(PATH_ERROR_CODES[subject as keyof typeof schemas]);
          expect(issue.message.length).toBeLessThanOrEqual(300);
        }
      }),
      { numRuns: 500 },
    );
  });
});
