import { readFile } from 'node:fs/promises';
import openapiTS, { astToString } from 'openapi-typescript';
import { describe, expect, it } from 'vitest';

// The API's OpenAPI document as committed; a test of the API keeps it equal to what the API serves.
const DOCUMENT = new URL('../../../api/openapi.json', import.meta.url);

describe("the CLI's types", () => {
  it('are what openapi-typescript makes of apps/api/openapi.json (npm run openapi writes them)', async () => {
    const generated = astToString(await openapiTS(DOCUMENT));
    const committed = await readFile(new URL('./openapi.ts', import.meta.url), 'utf8');
    expect(committed.slice(committed.indexOf('export interface paths'))).toBe(generated);
  });
});
