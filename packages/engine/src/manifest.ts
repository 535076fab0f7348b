import { once } from 'node:events';
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import {
  MANIFEST_FORMAT,
  type ManifestEntry,
  type ManifestHeader,
  type ManifestTrailer,
} from './manifest-entry.js';
import { comparePaths } from './paths.js';

/** Appends lines to a manifest file, honouring the stream's back-pressure. */
export class ManifestWriter {
  private readonly stream: WriteStream;
  private error: unknown;

  constructor(file: string) {
    this.stream = createWriteStream(file, { flags: 'wx', highWaterMark: 1 << 20 });
    this.stream.on('error', (error) => {
      this.error = error;
    });
  }

  /** Writes text; resolves at once unless the stream's buffer is full. */
  async write(text: string): Promise<void> {
    if (this.error) throw this.error;
    if (!this.stream.write(text)) await once(this.stream, 'drain');
  }

  async close(): Promise<void> {
    if (this.error) throw this.error;
    this.stream.end();
    await once(this.stream, 'finish');
  }

  destroy(): void {
    this.stream.destroy();
  }
}

/**
 * Keeps manifest lines in walk order although copies finish out of order: each piece of output
 * reserves a sequence number first and fills it later.
 */
export class OrderedLines {
  private next = 0;
  private reserved = 0;
  private readonly ready = new Map<number, string>();
  private pendingWrite: Promise<void> = Promise.resolve();
  /** Characters filled but not yet handed to the stream. */
  backlog = 0;

  constructor(private readonly writer: ManifestWriter | null) {}

  reserve(): number {
    return this.reserved++;
  }

  fill(seq: number, text: string): void {
    this.ready.set(seq, text);
    let out = '';
    for (let t = this.ready.get(this.next); t !== undefined; t = this.ready.get(this.next)) {
      this.ready.delete(this.next);
      out += t;
      this.next++;
    }
    if (out && this.writer) {
      const writer = this.writer;
      this.backlog += out.length;
      this.pendingWrite = this.pendingWrite.then(async () => {
        await writer.write(out);
        this.backlog -= out.length;
      });
      // A failed write is reported by flushed(); it must not also surface as an unhandled rejection.
      this.pendingWrite.catch(() => {});
    }
  }

  /** Waits until what was filled so far is handed to the stream. */
  flushed(): Promise<void> {
    return this.pendingWrite;
  }
}

/** Reads a manifest's entries in order; `header` and `trailer` are set once they have been read. */
export class ManifestReader {
  header: ManifestHeader | null = null;
  trailer: ManifestTrailer | null = null;
  private readonly lines: AsyncIterator<string>;
  private readonly close: () => void;

  constructor(file: string) {
    const stream = createReadStream(file, { highWaterMark: 1 << 16 });
    const rl = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
    this.lines = rl[Symbol.asyncIterator]();
    this.close = () => {
      rl.close();
      stream.destroy();
    };
  }

  /** The next entry, or null at the end. Throws on a line that is not JSON. */
  async next(): Promise<ManifestEntry | null> {
    for (;;) {
      const { value, done } = await this.lines.next();
      if (done) return null;
      if (value === '') continue;
      const parsed = JSON.parse(value) as Record<string, unknown>;
      if (parsed.format === MANIFEST_FORMAT) {
        this.header = parsed as unknown as ManifestHeader;
        continue;
      }
      if (parsed.end === true) {
        this.trailer = parsed as unknown as ManifestTrailer;
        continue;
      }
      return parsed as unknown as ManifestEntry;
    }
  }

  dispose(): void {
    this.close();
  }
}

/** Looks entries up by path in walk order, streaming through a manifest once. */
export class ManifestCursor {
  private current: ManifestEntry | null | undefined;

  constructor(private readonly reader: ManifestReader) {}

  /** The entry for `path`, if the manifest has one; paths must be asked for in walk order. */
  async seek(path: string): Promise<ManifestEntry | undefined> {
    for (;;) {
      if (this.current === undefined) this.current = await this.reader.next();
      if (this.current === null) return undefined;
      const c = comparePaths(this.current.path, path);
      if (c === 0) return this.current;
      if (c > 0) return undefined;
      this.current = undefined;
    }
  }

  dispose(): void {
    this.reader.dispose();
  }
}

/** A manifest's trailer holds a result with up to 101 warnings of up to a few KiB each. */
const TRAILER_MAX_BYTES = 1 << 20;
/** A header holds a folder of at most 1000 bytes, escaped as JSON. */
const HEADER_MAX_BYTES = 16 * 1024;

/** The trailer of a manifest (read from its tail), or null when it is missing or truncated. */
export async function readTrailer(file: string): Promise<ManifestTrailer | null> {
  const parsed = await readEnd(file, 'tail', TRAILER_MAX_BYTES);
  return parsed?.end === true ? (parsed as unknown as ManifestTrailer) : null;
}

/** The header of a manifest (its first line), or null when it cannot be read as one. */
export async function readHeader(file: string): Promise<ManifestHeader | null> {
  const parsed = await readEnd(file, 'head', HEADER_MAX_BYTES);
  return parsed?.format === MANIFEST_FORMAT ? (parsed as unknown as ManifestHeader) : null;
}

/** The first or the last line of a file, parsed as JSON; null when that fails. */
async function readEnd(
  file: string,
  end: 'head' | 'tail',
  maxBytes: number,
): Promise<Record<string, unknown> | null> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(file, 'r');
    const { size } = await handle.stat();
    const length = Math.min(size, maxBytes);
    const buf = Buffer.alloc(length);
    await handle.read(buf, 0, length, end === 'head' ? 0 : size - length);
    const lines = buf.toString('utf8').trimEnd().split('\n');
    return JSON.parse((end === 'head' ? lines[0] : lines[lines.length - 1]) ?? '') as Record<string, unknown>;
  } catch {
    return null;
  } finally {
    await handle?.close();
  }
}
