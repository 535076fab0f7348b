import type { Readable } from 'node:stream';
import {
  type BackupJob,
  type Change,
  diffPageSchema,
  pathSchema,
  quote,
  type TreeEntry,
  treePageSchema,
} from '@strongbox/contract';
import { decodeCursor, encodeCursor } from '@strongbox/db';
import type { ContentChange, ContentEntry } from '@strongbox/engine';
import type { FastifyInstance } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ApiError } from '../../errors/api-error.js';
import { withOwnCode } from '../../errors/own-code.js';
import { jobIdParamsSchema, limitSchema } from '../../schemas/job.js';
import { json, QUERY_ERRORS, responses } from '../../schemas/problem.js';
import { contentDisposition, contentTypeOf } from './content-headers.js';
import { findSnapshot } from './find-snapshot.js';

const cursorSchema = z.string().max(2000).optional();

/** The errors of every route that reads a backup's snapshot. */
const SNAPSHOT_ERRORS = [
  'NOT_FOUND',
  'SNAPSHOT_UNAVAILABLE',
  'NO_SUCH_SNAPSHOT',
  'REPOSITORY_DAMAGED',
  'REPOSITORY_UNAVAILABLE',
  'REPOSITORY_NOT_FOUND',
  ...QUERY_ERRORS,
] as const;

/**
 * What is in a backup's snapshot, read from the repository (either kind) by the API itself, never
 * outside the snapshot: one directory's entries, one file's bytes, and what differs from another
 * backup of the same folder. The backup is found as verify and restore find it (findSnapshot), and
 * paths are checked by the rule of restore's `path` (INVALID_PATH).
 */
const contents: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/backups/:id/tree',
    {
      schema: {
        operationId: 'listSnapshotDirectory',
        summary: "List one directory of a backup's snapshot, sorted by name",
        description:
          'Entries are sorted by name (by their UTF-8 bytes) and paged: pass `nextCursor` back as `cursor`. ' +
          'Symlinks are listed with their target and never followed.',
        tags: ['backups'],
        params: jobIdParamsSchema,
        querystring: z.object({
          path: pathSchema.optional().describe('a directory inside the snapshot; its root when absent'),
          limit: limitSchema,
          cursor: cursorSchema,
        }),
        response: responses({ 200: json('a page of the directory, sorted by name', treePageSchema) }, [
          ...SNAPSHOT_ERRORS,
          'INVALID_PATH',
          'INVALID_CURSOR',
          'NO_SUCH_PATH',
          'NOT_A_DIRECTORY',
        ]),
      },
    },
    async (request) => {
      const { path = '', limit, cursor } = request.query;
      const after =
        cursor === undefined ? null : (decodeCursor(cursor, ['string'])?.[0] as string | undefined);
      if (after === undefined) throw invalidCursor();
      const snapshot = snapshotOf(await findSnapshot(app, request.params.id));
      const entries = await repositoryCall(() => app.repository.listDirectory(snapshot, path));
      const sorted = entries
        .map((entry) => ({ entry, key: Buffer.from(entry.name) }))
        .sort((a, b) => Buffer.compare(a.key, b.key));
      const afterKey = after === null ? null : Buffer.from(after);
      const rest = afterKey === null ? sorted : sorted.filter(({ key }) => Buffer.compare(key, afterKey) > 0);
      const items = rest.slice(0, limit).map(({ entry }) => treeEntry(entry));
      return {
        path,
        items,
        nextCursor: rest.length > limit ? encodeCursor([items.at(-1)!.name]) : null,
      };
    },
  );

  app.get(
    '/backups/:id/file',
    {
      exposeHeadRoute: false,
      schema: {
        operationId: 'readSnapshotFile',
        summary: "Download one file of a backup's snapshot",
        description:
          'Streams the bytes of one regular file, as an attachment named after it. Content-Type is ' +
          'guessed from the name by a short table (API.md); anything else is application/octet-stream.',
        tags: ['backups'],
        params: jobIdParamsSchema,
        querystring: z.object({ path: pathSchema.describe('a regular file inside the snapshot') }),
        response: responses(
          {
            200: {
              description:
                "the file's bytes, typed by its name's extension (a short table, API.md), else application/octet-stream",
              content: {
                'application/octet-stream': {
                  schema: z.string().meta({ format: 'binary' }),
                },
              },
              headers: {
                'Content-Disposition': {
                  type: 'string',
                  description:
                    "attachment, with the file's name as an ASCII fallback and as percent-encoded UTF-8",
                  examples: [
                    `attachment; filename="caf_ _menu_.txt"; filename*=UTF-8''caf%C3%A9%20%22menu%22.txt`,
                  ],
                },
                'Content-Length': { type: 'integer', description: "the file's size in bytes", examples: [5] },
              },
            },
          },
          [...SNAPSHOT_ERRORS, 'INVALID_PATH', 'NO_SUCH_PATH', 'NOT_A_FILE'],
        ),
      },
    },
    async (request, reply) => {
      const { path } = request.query;
      const snapshot = snapshotOf(await findSnapshot(app, request.params.id));
      const file = await repositoryCall(() => app.repository.readFile(snapshot, path));
      const name = path.slice(path.lastIndexOf('/') + 1);
      reply.header('Content-Type', contentTypeOf(name));
      reply.header('Content-Disposition', contentDisposition(name));
      reply.header('Content-Length', String(file.size));
      // A read that fails midway (a damaged blob) ends the stream with its error: the client sees
      // the connection cut short of Content-Length, and the log has the error.
      file.stream.on('error', (error) => request.log.error({ err: error }, 'reading a snapshot file failed'));
      return reply.send(file.stream as Readable);
    },
  );

  app.get(
    '/backups/:id/diff/:otherId',
    {
      schema: {
        operationId: 'diffSnapshots',
        summary: 'List what was added, removed and changed from one backup to another of the same folder',
        description:
          'Paths in walk order (depth-first, a directory before its contents), paged: pass `nextCursor` ' +
          'back as `cursor`. Each page walks the two snapshots again from the start (unchanged ' +
          'directories skipped) and skips the changes earlier pages answered.',
        tags: ['backups'],
        params: jobIdParamsSchema.extend({
          otherId: z.string().describe('the id of the second backup, of the same folder'),
        }),
        querystring: z.object({ limit: limitSchema, cursor: cursorSchema }),
        response: responses({ 200: json('a page of the differences, in walk order', diffPageSchema) }, [
          ...SNAPSHOT_ERRORS,
          'INVALID_CURSOR',
          'DIFFERENT_FOLDERS',
        ]),
      },
    },
    async (request) => {
      const { limit, cursor } = request.query;
      const skip = cursor === undefined ? 0 : (decodeCursor(cursor, ['number'])?.[0] as number | undefined);
      if (skip === undefined || skip < 0) throw invalidCursor();
      const [from, to] = await bothOfOneFolder(app, request.params.id, request.params.otherId);
      const items: Change[] = [];
      let seen = 0;
      let more = false;
      await repositoryCall(async () => {
        for await (const change of app.repository.diff(snapshotOf(from), snapshotOf(to))) {
          if (seen++ < skip) continue;
          if (items.length === limit) {
            more = true;
            break;
          }
          items.push(changeOf(change));
        }
      });
      return {
        folder: from.folder,
        from: from.id,
        to: to.id,
        items,
        nextCursor: more ? encodeCursor([skip + items.length]) : null,
      };
    },
  );
};

async function bothOfOneFolder(
  app: FastifyInstance,
  id: string,
  otherId: string,
): Promise<[BackupJob, BackupJob]> {
  const from = await findSnapshot(app, id);
  const to = await findSnapshot(app, otherId);
  if (from.folder !== to.folder) {
    throw new ApiError(
      'DIFFERENT_FOLDERS',
      `Backup ${from.id} is of folder ${quote(from.folder)} and backup ${to.id} of folder ${quote(to.folder)}: ` +
        'a diff compares two snapshots of one folder',
    );
  }
  return [from, to];
}

function snapshotOf(backup: BackupJob): string {
  if (!backup.result) {
    throw new ApiError('SNAPSHOT_UNAVAILABLE', `Backup ${backup.id} records no snapshot`);
  }
  return backup.result.snapshot;
}

/** Runs a read of the repository; its errors with a code of ours are answered with that code. */
async function repositoryCall<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    throw withOwnCode(error);
  }
}

function invalidCursor(): ApiError {
  return new ApiError('INVALID_CURSOR', 'The cursor is not one this server gave out: start again without it');
}

function treeEntry(entry: ContentEntry): TreeEntry {
  return {
    name: entry.name,
    type: entry.type,
    size: entry.size,
    mode: entry.mode,
    mtime: isoOfNs(entry.mtime),
    target: entry.target ?? null,
  };
}

function changeOf(change: ContentChange): Change {
  const { path, type, size } = change;
  return { path, change: change.change, type, size, previousSize: change.previousSize ?? null };
}

/** Nanoseconds since the epoch (decimal) as ISO-8601 to the millisecond. */
function isoOfNs(ns: string): string {
  return new Date(Number(BigInt(ns) / 1_000_000n)).toISOString();
}

export default contents;
