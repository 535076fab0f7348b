import type { Page } from '@strongbox/contract';
import type { RowDataPacket } from 'mysql2/promise';
import type { Db } from './connection.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { InvalidCursorError } from './errors.js';
import { Where } from './where.js';

/** A list ordered by one increasing integer column, read a page at a time after the cursor's key. */
export interface KeysetList<T> {
  /** `SELECT … FROM table`, with the key among the columns. */
  select: string;
  /** The integer column the list is ordered by, unique: `seq`, `id`. */
  key: string;
  /** Newest (highest key) first. @defaultValue false */
  descending?: boolean;
  /** Conditions besides the cursor's. */
  where?: Where;
  map(row: RowDataPacket): T;
}

/** One page of a keyset list: `limit` rows after the cursor, and the cursor of the next page. */
export async function keysetPage<T>(
  db: Db,
  list: KeysetList<T>,
  query: { limit: number; cursor?: string | undefined },
): Promise<Page<T>> {
  const where = list.where ?? new Where();
  if (query.cursor) {
    const position = decodeCursor(query.cursor, ['number']);
    if (!position) throw new InvalidCursorError();
    where.add(`${list.key} ${list.descending ? '<' : '>'} ?`, position[0]);
  }
  const [rows] = await db.query<RowDataPacket[]>(
    `${list.select} ${where} ORDER BY ${list.key}${list.descending ? ' DESC' : ''} LIMIT ?`,
    [...where.params, query.limit + 1],
  );
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  return {
    items: page.map((row) => list.map(row)),
    nextCursor: rows.length > query.limit && last ? encodeCursor([Number(last[list.key])]) : null,
  };
}
