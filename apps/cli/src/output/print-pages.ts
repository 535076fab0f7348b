import type { Page } from '../api/types.js';
import type { Context } from '../context.js';
import { columns } from './columns.js';
import { writeJson } from './write-json.js';

export interface TableSpec<T> {
  header: string[];
  widths: number[];
  row(item: T): string[];
  /** Printed instead of the table when there is nothing to show. */
  empty: string;
}

/** Prints pages as they come: with --json each answer on a line, else one table across the pages. */
export async function printPages<T>(ctx: Context, source: AsyncIterable<Page<T>>, table: TableSpec<T>) {
  let shown = 0;
  for await (const page of source) {
    if (ctx.json) {
      writeJson(ctx, page);
      continue;
    }
    if (shown === 0 && page.items.length > 0) ctx.stdout.write(`${columns(table.header, table.widths)}\n`);
    for (const item of page.items) ctx.stdout.write(`${columns(table.row(item), table.widths)}\n`);
    shown += page.items.length;
  }
  if (!ctx.json && shown === 0) ctx.stdout.write(`${table.empty}\n`);
}
