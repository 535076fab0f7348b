/**
 * The headers of a file downloaded from a snapshot (GET /backups/{id}/file): its Content-Type,
 * guessed from its name's extension by a short table, and its Content-Disposition.
 *
 * Types a browser would run as a page of this origin (HTML, SVG, XML) are deliberately not in the
 * table: they are sent as application/octet-stream, like every extension the table lacks.
 */
const TYPES: Record<string, string> = {
  txt: 'text/plain; charset=utf-8',
  log: 'text/plain; charset=utf-8',
  md: 'text/plain; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
  json: 'application/json',
  pdf: 'application/pdf',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  mp3: 'audio/mpeg',
  mp4: 'video/mp4',
  zip: 'application/zip',
  gz: 'application/gzip',
  tar: 'application/x-tar',
};

const FALLBACK = 'application/octet-stream';

/** The type of a file by its name's last extension, compared case-insensitively. */
export function contentTypeOf(name: string): string {
  const dot = name.lastIndexOf('.');
  if (dot <= 0) return FALLBACK;
  return TYPES[name.slice(dot + 1).toLowerCase()] ?? FALLBACK;
}

/**
 * `attachment` with the name twice (RFC 6266): `filename*` percent-encodes its UTF-8 bytes (RFC 5987:
 * every byte outside attr-char, so also ' ( ) *), and `filename` is an ASCII fallback for old
 * clients, each character outside printable ASCII, and `"` and `\`, replaced by `_`.
 */
export function contentDisposition(name: string): string {
  const fallback = name.replace(/[^\x20-\x7e]|["\\]/gu, '_');
  const encoded = encodeURIComponent(name).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}
