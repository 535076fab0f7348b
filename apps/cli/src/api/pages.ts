import type { ApiClient } from './client.js';
import type { Page } from './types.js';

/** The most items the API gives in one page. */
const PAGE_MAX = 1000;

/**
 * Follows a list's `nextCursor` from the first page to the last, or until `max` items came.
 * Each page is yielded as the API answered it.
 */
export async function* pages<T>(
  client: ApiClient,
  route: string,
  query: Record<string, string | undefined>,
  max = Number.POSITIVE_INFINITY,
): AsyncGenerator<Page<T>> {
  let left = max;
  let cursor: string | undefined;
  do {
    const { body } = await client.request<Page<T>>('GET', route, {
      query: { ...query, limit: Math.min(left, PAGE_MAX), cursor },
    });
    yield body;
    left -= body.items.length;
    cursor = body.nextCursor ?? undefined;
  } while (cursor !== undefined && left > 0);
}
