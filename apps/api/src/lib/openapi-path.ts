/**
 * The name the OpenAPI document gives the API's one wildcard: `POST /backup/*`, whose wildcard is
 * the folder (`photos%2F2024`, or `photos/2024` written as a path).
 */
export const WILDCARD_PARAMETER = 'folder';

/** A Fastify route pattern as OpenAPI writes it: `/backups/:id` → `/backups/{id}`, `/backup/*` → `/backup/{folder}`. */
export function openapiPath(url: string): string {
  return url.replace(/:([A-Za-z0-9_]+)/g, '{$1}').replace(/\*$/, `{${WILDCARD_PARAMETER}}`);
}
