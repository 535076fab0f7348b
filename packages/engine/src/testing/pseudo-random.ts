import { createCipheriv, createHash } from 'node:crypto';

/**
 * `length` bytes that look random and are the same for the same seed on every run: AES-256-CTR of
 * zeros under a key derived from the seed. Tests measure chunk boundaries and compression on them
 * and so assert fixed figures.
 */
export function pseudoRandom(length: number, seed: string): Buffer {
  const key = createHash('sha256').update(seed).digest();
  const cipher = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
  return Buffer.concat([cipher.update(Buffer.alloc(length)), cipher.final()]);
}

/** The same stream as `pseudoRandom`, in pieces of `piece` bytes, without holding it whole. */
export async function* pseudoRandomStream(
  length: number,
  seed: string,
  piece = 1024 * 1024,
): AsyncGenerator<Buffer> {
  const key = createHash('sha256').update(seed).digest();
  const cipher = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
  for (let done = 0; done < length; done += piece) {
    yield cipher.update(Buffer.alloc(Math.min(piece, length - done)));
  }
}

/**
 * SHA-256 of bytes in hex: tests compare large buffers through it, because a deep equality over
 * megabytes walks them a byte at a time.
 */
export function digestOf(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}
