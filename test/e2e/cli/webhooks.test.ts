import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeFolder, type Stack, waitFor } from '../stack.js';
import { linesOf, runCli } from './run-cli.js';
import { startTokenStack, type TokenStack } from './token-stack.js';

// `strongbox webhooks …` of the built CLI against the real stack (with a token), whose webhooks may
// reach the receiver this test starts on 127.0.0.1 (WEBHOOK_ALLOW_PRIVATE=true).
const TOKEN = 'cli-webhooks-token-7d3e';
const UNKNOWN = '00000000-0000-4000-8000-000000000000';
const HEADER = `ID${' '.repeat(36)}EVENTS${' '.repeat(26)}FOLDER${' '.repeat(16)}URL`;

let stack: Stack;
let env: Record<string, string>;
let api: TokenStack['api'];
let receiver: Server;
let receiverUrl: string;
let scratch: string;

beforeAll(async () => {
  ({ stack, env, api } = await startTokenStack(TOKEN, { WEBHOOK_ALLOW_PRIVATE: 'true' }));
  receiver = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(204).end());
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const address = receiver.address();
  receiverUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/hook`;
  scratch = await mkdtemp(path.join(tmpdir(), 'strongbox-cli-webhooks-'));
});

afterEach(async () => {
  const page = await api('GET', '/webhooks?limit=1000');
  for (const webhook of page.body.items) await api('DELETE', `/webhooks/${webhook.id}`);
});

afterAll(async () => {
  await new Promise((resolve) => receiver?.close(resolve));
  await stack?.stop();
  await rm(scratch, { recursive: true, force: true });
});

describe('strongbox webhooks', () => {
  it('says so when there is no webhook', async () => {
    const run = await runCli(['webhooks'], env);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('no webhooks\n');
  });

  it('adds a webhook, printing the secret the server made this once; lists them as a table and as JSON', async () => {
    const run = await runCli(
      [
        'webhooks',
        'add',
        receiverUrl,
        '--event',
        'backup.failed',
        '--event',
        'verify.failed',
        '--folder',
        'cli/a',
      ],
      env,
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const [added, secretLine] = linesOf(run.stdout) as [string, string];
    const id = /^webhook ([0-9a-f-]{36}) added: /.exec(added)?.[1] ?? '';
    expect(added).toBe(`webhook ${id} added: backup.failed, verify.failed of folder cli/a to ${receiverUrl}`);
    expect(secretLine).toMatch(/^secret \(shown this once; deliveries are signed with it\): [0-9a-f]{64}$/);
    const webhook = (await api('GET', `/webhooks/${id}`)).body;
    expect(webhook).toEqual({
      id,
      url: receiverUrl,
      events: ['backup.failed', 'verify.failed'],
      folder: 'cli/a',
      createdAt: expect.any(String),
    });

    const json = await runCli(['webhooks', 'add', receiverUrl, '--event', 'backup.succeeded', '--json'], env);
    expect(json.code).toBe(0);
    const created = JSON.parse(json.stdout);
    expect(created).toEqual({
      id: expect.any(String),
      url: receiverUrl,
      events: ['backup.succeeded'],
      folder: null,
      createdAt: expect.any(String),
      secret: expect.stringMatching(/^[0-9a-f]{64}$/),
    });

    const table = await runCli(['webhooks'], env);
    expect(table.code).toBe(0);
    expect(linesOf(table.stdout)).toEqual([
      HEADER,
      `${id}  backup.failed,verify.failed     cli/a                 ${receiverUrl}`,
      `${created.id}  backup.succeeded                (all)                 ${receiverUrl}`,
    ]);
    const list = await runCli(['webhooks', '--json'], env);
    const { secret: _secret, ...second } = created;
    expect(linesOf(list.stdout).map((line) => JSON.parse(line))).toEqual([
      { items: [webhook, second], nextCursor: null },
    ]);
    expect(list.stdout).not.toContain(created.secret);
  });

  it('signs with the secret of --secret-file, and never prints it', async () => {
    const file = path.join(scratch, 'secret');
    await writeFile(file, 'a-secret-kept-in-a-file-0123\n');
    const run = await runCli(
      ['webhooks', 'add', receiverUrl, '--event', 'backup.succeeded', '--secret-file', file],
      env,
    );
    expect(run.code).toBe(0);
    expect(run.stdout).not.toContain('a-secret-kept-in-a-file-0123');
    expect(linesOf(run.stdout)[1]).toBe(`deliveries are signed with the secret of ${file}`);

    const missing = await runCli(
      [
        'webhooks',
        'add',
        receiverUrl,
        '--event',
        'backup.succeeded',
        '--secret-file',
        path.join(scratch, 'nope'),
      ],
      env,
    );
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe(
      `strongbox: --secret-file ${JSON.stringify(path.join(scratch, 'nope'))} cannot be read (ENOENT)\n`,
    );
  });

  it.each([
    [
      'another scheme',
      ['ftp://127.0.0.1/x', '--event', 'backup.failed'],
      '400 INVALID_WEBHOOK_URL: The webhook URL must start with http:// or https://: got "ftp://127.0.0.1/x"',
    ],
    [
      'an event that does not exist',
      [receiverUrl, '--event', 'backup.cancelled'],
      expect.stringMatching(/^400 VALIDATION: body\.events\.0: Invalid option: expected one of /),
    ],
  ])('refuses %s with exit 2 and the API code and message, and records nothing', async (_, args, message) => {
    const run = await runCli(['webhooks', 'add', ...args], env);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr.replace(/^strongbox: /, '').trimEnd()).toEqual(message);
    expect((await api('GET', '/webhooks')).body.items).toEqual([]);
  });

  it("prints a webhook's delivery log after a backup, as a table and as JSON", async () => {
    const created = (await api('POST', '/webhooks', { url: receiverUrl, events: ['backup.succeeded'] })).body;
    await makeFolder(stack, 'cli/delivered', { 'a.txt': 'alpha' });
    const backup = (await api('POST', '/backups?wait=60', { folder: 'cli/delivered' })).body;
    expect(backup.status).toBe('succeeded');
    let log = { items: [] as Record<string, unknown>[], nextCursor: null };
    await waitFor(
      async () => {
        log = (await api('GET', `/webhooks/${created.id}/deliveries`)).body;
        return log.items.length === 1;
      },
      30_000,
      () => `no delivery was logged: ${stack.output()}`,
    );
    const [delivery] = log.items as [{ at: string; outcome: string; statusCode: number }];
    expect(delivery).toMatchObject({
      jobId: backup.id,
      attempt: 1,
      outcome: 'delivered',
      statusCode: 204,
      error: null,
    });

    const table = await runCli(['webhooks', 'deliveries', created.id], env);
    expect(table.code).toBe(0);
    expect(linesOf(table.stdout)).toEqual([
      `AT${' '.repeat(24)}EVENT${' '.repeat(13)}JOB${' '.repeat(35)}ATTEMPT  OUTCOME    STATUS  ERROR`,
      `${delivery.at}  backup.succeeded  ${backup.id}  1        delivered  204`,
    ]);
    const json = await runCli(['webhooks', 'deliveries', created.id, '--json'], env);
    expect(linesOf(json.stdout).map((line) => JSON.parse(line))).toEqual([log]);
  });

  it('removes a webhook; removing it again, or an unknown one, exits 2 with the API 404', async () => {
    const created = (await api('POST', '/webhooks', { url: receiverUrl, events: ['backup.failed'] })).body;
    const run = await runCli(['webhooks', 'remove', created.id], env);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(`webhook ${created.id} removed; nothing more is delivered to it\n`);
    expect((await runCli(['webhooks', 'remove', created.id, '--json'], env)).stderr).toBe(
      `strongbox: 404 NOT_FOUND: There is no webhook with id "${created.id}"\n`,
    );
    const unknown = await runCli(['webhooks', 'deliveries', UNKNOWN], env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe(`strongbox: 404 NOT_FOUND: There is no webhook with id "${UNKNOWN}"\n`);
    expect((await runCli(['webhooks'], env)).stdout).toBe('no webhooks\n');
  });
});
