import { randomBytes, type ScryptOptions, scrypt } from 'node:crypto';
import { z } from 'zod';
import { EngineError } from '../errors.js';
import { FORMAT_VERSION, KEY_LENGTH, SALT_LENGTH, SCRYPT, SCRYPT_LIMITS } from './format.js';
import { parseObject } from './json.js';
import { associatedData, damaged, open, seal } from './seal.js';

/**
 * The secrets of one repository, the same under every password: `data` seals every object, `id`
 * names blobs (HMAC-SHA256), `chunker` seeds the chunker's gear table. `repository` is the id that
 * `config` records: a key object only opens a repository whose config names the same id.
 */
export interface MasterKeys {
  repository: string;
  data: Buffer;
  id: Buffer;
  chunker: Buffer;
}

export interface SealOptions {
  /** The scrypt cost. @defaultValue SCRYPT (N = 65536, r = 8, p = 1) */
  scrypt?: { N: number; r: number; p: number };
  /** When the key was made, recorded in the key object. @defaultValue now */
  created?: Date;
}

/** A new master key set of random keys for the repository `repository`. */
export function createMasterKeys(repository: string): MasterKeys {
  return {
    repository,
    data: randomBytes(KEY_LENGTH),
    id: randomBytes(KEY_LENGTH),
    chunker: randomBytes(KEY_LENGTH),
  };
}

/** A name for a new key object, `keys/<id>`: 16 random bytes in hex. */
export function newKeyId(): string {
  return randomBytes(16).toString('hex');
}

/** The bytes of the key object `keys/<keyId>`: the master key set sealed under `password`. */
export async function sealMasterKeys(
  keys: MasterKeys,
  password: string,
  keyId: string,
  options: SealOptions = {},
): Promise<Buffer> {
  const params = options.scrypt ?? SCRYPT;
  const salt = randomBytes(SALT_LENGTH);
  const secret = Buffer.from(
    JSON.stringify({
      repository: keys.repository,
      data: keys.data.toString('base64'),
      id: keys.id.toString('base64'),
      chunker: keys.chunker.toString('base64'),
    }),
  );
  const sealed = seal(await derive(password, salt, params), secret, associatedData('key', keyId));
  const object: KeyObject = {
    version: FORMAT_VERSION,
    kdf: 'scrypt',
    ...params,
    salt: salt.toString('base64'),
    sealed: sealed.toString('base64'),
    created: (options.created ?? new Date()).toISOString(),
  };
  return Buffer.from(`${JSON.stringify(object)}\n`);
}

/**
 * The master key set in the key object `keys/<keyId>` of the repository whose config has the id
 * `repository`. A password that does not open it is WRONG_PASSWORD; an object that does not parse,
 * or asks for more scrypt memory than a reader allows, is REPOSITORY_DAMAGED, and no key is derived
 * for it; so is a key set of another repository (a config or a key object copied from elsewhere).
 */
export async function openMasterKeys(
  object: Buffer,
  password: string,
  keyId: string,
  repository: string,
): Promise<MasterKeys> {
  const what = `key ${keyId}`;
  const { salt, sealed, N, r, p } = parseObject(keyObjectSchema, object, what);
  let secret: Buffer;
  try {
    const key = await derive(password, Buffer.from(salt, 'base64'), { N, r, p });
    secret = open(key, Buffer.from(sealed, 'base64'), associatedData('key', keyId), what);
  } catch (error) {
    if (error instanceof EngineError && error.code === 'REPOSITORY_DAMAGED') {
      throw new EngineError('WRONG_PASSWORD', `The repository password does not open ${what}`, {
        cause: error,
      });
    }
    throw error;
  }
  const keys = parseObject(secretSchema, secret, `the master key set in ${what}`);
  if (keys.repository !== repository) {
    throw damaged(`${what} belongs to repository ${keys.repository}, not to this one (${repository})`);
  }
  return {
    repository: keys.repository,
    data: Buffer.from(keys.data, 'base64'),
    id: Buffer.from(keys.id, 'base64'),
    chunker: Buffer.from(keys.chunker, 'base64'),
  };
}

/** When the key object `keys/<keyId>` was made, as it records (no password needed): REPOSITORY_DAMAGED if it does not parse. */
export function keyCreated(object: Buffer, keyId: string): string {
  return parseObject(keyObjectSchema, object, `key ${keyId}`).created;
}

function derive(
  password: string,
  salt: Buffer,
  params: { N: number; r: number; p: number },
): Promise<Buffer> {
  // scrypt needs 128·N·r bytes; Node's default ceiling (32 MiB) is below that for N = 65536, r = 8.
  const options: ScryptOptions = { ...params, maxmem: 2 * 128 * params.N * params.r };
  return new Promise((resolve, reject) => {
    scrypt(Buffer.from(password, 'utf8'), salt, KEY_LENGTH, options, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}

const base64Of = (length: number) =>
  z
    .string()
    .regex(/^[A-Za-z0-9+/]*={0,2}$/)
    .refine((text) => Buffer.from(text, 'base64').length === length, `${length} bytes in base64`);

const keyObjectSchema = z
  .strictObject({
    version: z.literal(FORMAT_VERSION),
    kdf: z.literal('scrypt'),
    N: z
      .number()
      .int()
      .min(1024)
      .max(SCRYPT_LIMITS.maxN)
      .refine((n) => (n & (n - 1)) === 0, 'a power of two'),
    r: z.number().int().min(1).max(SCRYPT_LIMITS.maxR),
    p: z.number().int().min(1).max(SCRYPT_LIMITS.maxP),
    salt: base64Of(SALT_LENGTH),
    sealed: z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/),
    created: z.iso.datetime(),
  })
  .refine((o) => 128 * o.N * o.r <= SCRYPT_LIMITS.maxMemory, 'scrypt memory (128·N·r) over 1 GiB');

type KeyObject = z.infer<typeof keyObjectSchema>;

const secretSchema = z.strictObject({
  repository: z.string().min(1),
  data: base64Of(KEY_LENGTH),
  id: base64Of(KEY_LENGTH),
  chunker: base64Of(KEY_LENGTH),
});
