import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { EngineError } from '../errors.js';
import { KEY_LENGTH, NONCE_LENGTH, SEAL_OVERHEAD, TAG_LENGTH } from './format.js';

/**
 * What a sealed object is bound to besides its key: the label of its kind, a zero byte, then its
 * name (a blob's 32-byte id, a snapshot's job id in UTF-8, …). Opening with any other fails, so one
 * object cannot stand in for another of a different kind or name.
 */
export function associatedData(label: string, name: Buffer | string = Buffer.alloc(0)): Buffer {
  return Buffer.concat([Buffer.from(label, 'utf8'), Buffer.from([0]), Buffer.from(name)]);
}

/** AES-256-GCM under `key`: a fresh random 12-byte nonce, the ciphertext, the 16-byte tag. */
export function seal(key: Buffer, plaintext: Buffer | readonly Buffer[], aad: Buffer): Buffer {
  checkKey(key);
  const nonce = randomBytes(NONCE_LENGTH);
  const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_LENGTH });
  cipher.setAAD(aad);
  const parts = Buffer.isBuffer(plaintext) ? [plaintext] : plaintext;
  const body = parts.map((part) => cipher.update(part));
  const final = cipher.final();
  return Buffer.concat([nonce, ...body, final, cipher.getAuthTag()]);
}

/**
 * The plaintext of a sealed object, authenticated before it is returned. Anything else (a changed
 * bit anywhere, a truncation, another key, other associated data) is REPOSITORY_DAMAGED, with
 * `what` (the object, as the repository names it) in the message.
 */
export function open(key: Buffer, sealed: Buffer, aad: Buffer, what: string): Buffer {
  checkKey(key);
  if (sealed.length < SEAL_OVERHEAD) {
    throw damaged(`${what} is ${sealed.length} bytes, shorter than any sealed object`);
  }
  const nonce = sealed.subarray(0, NONCE_LENGTH);
  const tag = sealed.subarray(sealed.length - TAG_LENGTH);
  const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_LENGTH });
  decipher.setAAD(aad);
  decipher.setAuthTag(tag);
  const body = decipher.update(sealed.subarray(NONCE_LENGTH, sealed.length - TAG_LENGTH));
  try {
    decipher.final();
  } catch (cause) {
    throw damaged(`${what} failed authentication: it is damaged, or was altered or moved`, cause);
  }
  return body;
}

/** The error for an object of the repository that cannot be trusted or understood. */
export function damaged(message: string, cause?: unknown): EngineError {
  return new EngineError('REPOSITORY_DAMAGED', `Repository damaged: ${message}`, { cause });
}

function checkKey(key: Buffer): void {
  if (key.length !== KEY_LENGTH) throw new RangeError(`a key is ${KEY_LENGTH} bytes, not ${key.length}`);
}
