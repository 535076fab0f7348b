import { describe, expect, it } from 'vitest';
import { welcomeText } from './welcome.js';

const stack = {
  baseUrl: 'http://127.0.0.1:3000',
  workers: 2,
  sourceRoot: '/srv/data',
  backupFolder: '/srv/backup',
};
const curlLines = (text: string) => text.split('\n').filter((line) => line.startsWith('  curl '));

describe('welcomeText', () => {
  it('prints curl lines without a token header when API_TOKENS is unset', () => {
    const text = welcomeText({ ...stack, apiTokens: [], clientToken: undefined });
    expect(text).toContain('Strongbox is running at http://127.0.0.1:3000 with 2 worker(s).');
    expect(curlLines(text)).toEqual([
      `  curl -s -X POST http://127.0.0.1:3000/backups -H 'content-type: application/json' -d '{"folder":"example"}'`,
      '  curl -s http://127.0.0.1:3000/logs',
      '  curl -s http://127.0.0.1:3000/stats',
    ]);
    expect(text).not.toContain('API_TOKENS');
  });

  it('sends $STRONGBOX_TOKEN with every curl line when API_TOKENS is set, and says how to set it', () => {
    const text = welcomeText({ ...stack, apiTokens: ['s3cret-one', 's3cret-two'], clientToken: undefined });
    expect(curlLines(text)).toEqual([
      `  curl -s -X POST http://127.0.0.1:3000/backups -H "Authorization: Bearer $STRONGBOX_TOKEN" -H 'content-type: application/json' -d '{"folder":"example"}'`,
      '  curl -s http://127.0.0.1:3000/logs -H "Authorization: Bearer $STRONGBOX_TOKEN"',
      '  curl -s http://127.0.0.1:3000/stats -H "Authorization: Bearer $STRONGBOX_TOKEN"',
    ]);
    expect(text).toContain('  export STRONGBOX_TOKEN=<one of API_TOKENS>');
    expect(text).not.toMatch(/s3cret/);
  });

  it('says that STRONGBOX_TOKEN is ready when it is one of API_TOKENS, without printing it', () => {
    const text = welcomeText({
      ...stack,
      apiTokens: ['s3cret-one', 's3cret-two'],
      clientToken: 's3cret-two',
    });
    expect(text).toContain('The lines below send $STRONGBOX_TOKEN, set in this shell to one of its\ntokens');
    expect(text).not.toContain('export STRONGBOX_TOKEN');
    expect(curlLines(text)).toHaveLength(3);
    expect(text).not.toMatch(/s3cret/);
  });

  it('warns of a 401 when STRONGBOX_TOKEN is set to something that is not one of API_TOKENS', () => {
    const text = welcomeText({ ...stack, apiTokens: ['s3cret-one'], clientToken: 'stale-token' });
    expect(text).toContain(
      'STRONGBOX_TOKEN is set here but is not one of API_TOKENS: the API would answer 401.',
    );
    expect(text).toContain('  export STRONGBOX_TOKEN=<one of API_TOKENS>');
    expect(text).not.toMatch(/s3cret|stale-token/);
  });
});
