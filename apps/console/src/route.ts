/** The console's pages, read from the URL's hash so that every page has a link of its own. */
export type Route =
  | { page: 'overview' }
  | { page: 'folder'; folder: string }
  | { page: 'snapshot'; id: string; path: string }
  | { page: 'diff'; from: string; to: string }
  | { page: 'missing'; hash: string };

export function routeOf(hash: string): Route {
  const parts = hash
    .replace(/^#\/?/, '')
    .split('/')
    .filter((part) => part !== '');
  try {
    const [page, a, b] = parts.map(decodeURIComponent);
    if (page === undefined) return { page: 'overview' };
    if (page === 'folder' && a !== undefined && parts.length === 2) return { page: 'folder', folder: a };
    if (page === 'snapshot' && a !== undefined && parts.length <= 3)
      return { page: 'snapshot', id: a, path: b ?? '' };
    if (page === 'diff' && a !== undefined && b !== undefined && parts.length === 3) {
      return { page: 'diff', from: a, to: b };
    }
  } catch {
    // A hash whose percent-encoding does not decode is no page.
  }
  return { page: 'missing', hash };
}

/** The link of a page. */
export const link = {
  overview: () => '#/',
  folder: (folder: string) => `#/folder/${encodeURIComponent(folder)}`,
  snapshot: (id: string, path = '') =>
    path === ''
      ? `#/snapshot/${encodeURIComponent(id)}`
      : `#/snapshot/${encodeURIComponent(id)}/${encodeURIComponent(path)}`,
  diff: (from: string, to: string) => `#/diff/${encodeURIComponent(from)}/${encodeURIComponent(to)}`,
};
