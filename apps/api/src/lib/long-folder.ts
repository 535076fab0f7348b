import { MAX_PATH_BYTES, pathProblem, quote } from '@strongbox/contract';
import { ApiError } from '../errors/api-error.js';

/**
 * What the router's refusal of a route parameter over `maxParamLength` (MAX_PATH_BYTES characters)
 * means. Under /folders that parameter is a folder, and one that long breaks the folder rule: the
 * answer is the rule's, as for any other folder it refuses. Elsewhere it is an id, and the error
 * stays as it is.
 */
export function longParameterError(error: unknown, url: string): unknown {
  if ((error as { code?: unknown }).code !== 'FST_ERR_MAX_PARAM_LENGTH') return error;
  if (!url.startsWith('/folders/')) return error;
  const segment = url.slice('/folders/'.length).split(/[/?]/, 1)[0] ?? '';
  let folder: string;
  try {
    folder = decodeURIComponent(segment);
  } catch {
    folder = segment;
  }
  const rule = pathProblem(folder) ?? `The folder must be at most ${MAX_PATH_BYTES} bytes long`;
  return new ApiError('INVALID_FOLDER', `${rule}: got ${quote(folder)}`);
}
