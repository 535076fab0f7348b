import { describe, expect, inject, it } from 'vitest';
import { connectDatabaseWhenUp } from './connect-when-up.js';

describe('connectDatabaseWhenUp', () => {
  it('fails at once, without retrying, when the server is up but refuses the user', async () => {
    const server = new URL(inject('databaseUrl'));
    server.username = 'strongbox_no_such_user';
    server.password = 'wrong';
    server.pathname = '/strongbox_never_created';
    const retries: number[] = [];
    await expect(
      connectDatabaseWhenUp(server.toString(), { onRetry: ({ attempt }) => retries.push(attempt) }),
    ).rejects.toMatchObject({ code: 'ER_ACCESS_DENIED_ERROR' });
    expect(retries).toEqual([]);
  });
});
