import type { components } from '../../cli/src/api/openapi.js';

/**
 * The console's only way to the server: the public HTTP API on the same origin, with the
 * credentials the browser already holds (HTTP Basic, asked for when the page opened).
 */

/** An error answer of the API (problem+json: `code` and `message` or `detail`), or a network error. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** The problem an answer carries, or one made up from its status when its body is not one. */
export async function problemOf(response: Response): Promise<ApiError> {
  let body: unknown = null;
  try {
    body = await response.json();
  } catch {
    // Not JSON: the status alone says what happened.
  }
  const problem = (body ?? {}) as { code?: unknown; message?: unknown; detail?: unknown };
  const code = typeof problem.code === 'string' ? problem.code : `HTTP_${response.status}`;
  const message =
    typeof problem.message === 'string'
      ? problem.message
      : typeof problem.detail === 'string'
        ? problem.detail
        : response.statusText || `The API answered ${response.status}`;
  return new ApiError(response.status, code, message);
}

/** Calls the API and answers its JSON body; an error answer is thrown as an {@link ApiError}. */
export async function api<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, {
      method: init.method ?? 'GET',
      credentials: 'same-origin',
      headers:
        init.body === undefined ? { accept: 'application/json' } : { 'content-type': 'application/json' },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
  } catch (error) {
    throw new ApiError(0, 'NETWORK_ERROR', `The API did not answer: ${(error as Error).message}`);
  }
  if (!response.ok) throw await problemOf(response);
  return (await response.json()) as T;
}

/** Every item of a paged list, following `nextCursor` for at most `pages` pages. */
export async function all<T>(path: string, pages = 20): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < pages; page++) {
    const separator = path.includes('?') ? '&' : '?';
    const url: string = cursor === null ? path : `${path}${separator}cursor=${encodeURIComponent(cursor)}`;
    const answer: Page<T> = await api<Page<T>>(url);
    items.push(...answer.items);
    cursor = answer.nextCursor;
    if (cursor === null) break;
  }
  return items;
}

/** The path of one folder's route: the folder is one URL-encoded segment. */
export const folderPath = (folder: string) => `/folders/${encodeURIComponent(folder)}`;

// The shapes of the API's answers, by the names its OpenAPI document gives them: the command-line
// client's types, generated from apps/api/openapi.json (`npm run openapi`). Types only.
type Schemas = components['schemas'];

export type Page<T> = { items: T[]; nextCursor: string | null };
export type Snapshot = Schemas['Snapshot'];
export type FolderItem = Schemas['FolderSummary'];
export type FolderDetail = Schemas['Folder'];
export type Schedule = Schemas['Schedule'];
export type Job = Schemas['Job'];
export type BackupJob = Schemas['BackupJob'];
export type TreeEntry = Schemas['TreeEntry'];
export type TreePage = Schemas['TreePage'];
export type Change = Schemas['Change'];
export type DiffPage = Schemas['DiffPage'];

/** Whether a job has ended (it will not change any more). */
export const ended = (job: Job) => !['queued', 'running'].includes(job.status);

/**
 * The figures a job's result may hold, whatever its kind (each kind's result has some of them):
 * files and bytes, how long it took, what a backup added and skipped, a restore's target.
 */
export interface Figures {
  files?: number;
  bytes?: number;
  durationMs?: number;
  newBytes?: number;
  copiedBytes?: number;
  skipped?: number;
  warnings?: string[];
  target?: string;
}

export const figuresOf = (job: Job): Figures => (job.result ?? {}) as Figures;

/** What a backup added to the repository, as `GET /folders` counts it (null when it failed). */
export function addedBytes(job: Job): number | null {
  const figures = figuresOf(job);
  return figures.newBytes ?? figures.copiedBytes ?? null;
}
