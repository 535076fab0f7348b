import { ApiError } from '../errors/api-error.js';

/**
 * The parser @fastify/formbody is given for `application/x-www-form-urlencoded` bodies: like its
 * own, but it refuses a body whose percent-encoding does not decode to well-formed UTF-8
 * (`path_to_folder=caf%E9`), which the default parser keeps as the raw text, so that the request
 * would quietly name another folder than the client meant. A name given twice becomes an array,
 * which the route's schema then refuses.
 */
export function parseForm(text: string): Record<string, string | string[]> {
  // The body reaches the parser decoded as UTF-8: U+FFFD stands for bytes that were not UTF-8.
  if (text.includes('\uFFFD') || !decodes(text)) {
    throw new ApiError(
      'INVALID_FORM',
      'The form body is not valid percent-encoded UTF-8: percent-encode each byte of the UTF-8 text ' +
        '(curl --data-urlencode path_to_folder=NAME does)',
    );
  }
  const form: Record<string, string | string[]> = Object.create(null);
  for (const [name, value] of new URLSearchParams(text)) {
    const before = form[name];
    form[name] = before === undefined ? value : [before, value].flat();
  }
  return form;
}

function decodes(text: string): boolean {
  try {
    decodeURIComponent(text.replaceAll('+', ' '));
    return true;
  } catch {
    return false;
  }
}
