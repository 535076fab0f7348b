import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { EngineError } from '../errors.js';
import { CHUNKER, FORMAT_VERSION, MAX_BLOB_SIZE } from './format.js';
import { parseObject } from './json.js';

const chunkerSchema = z
  .strictObject({
    min: z.number().int().min(1),
    maskBits: z.number().int().min(1).max(31),
    max: z.number().int().max(MAX_BLOB_SIZE),
  })
  .refine((chunker) => chunker.min <= chunker.max, 'min ≤ max');

const configSchema = z.strictObject({
  version: z.literal(FORMAT_VERSION),
  /** 32 random bytes in hex, made once: the master key set names it too. */
  id: z.string().regex(/^[0-9a-f]{64}$/),
  chunker: chunkerSchema,
  created: z.iso.datetime(),
});

/** The object `config`: plaintext, the first thing a reader reads. */
export type RepositoryConfig = z.infer<typeof configSchema>;

/** The config of a new repository: a new random id, this version's chunker. */
export function newConfig(created = new Date()): RepositoryConfig {
  return {
    version: FORMAT_VERSION,
    id: randomBytes(32).toString('hex'),
    chunker: { ...CHUNKER },
    created: created.toISOString(),
  };
}

export function encodeConfig(config: RepositoryConfig): Buffer {
  const { version, id, chunker, created } = configSchema.parse(config);
  return Buffer.from(`${JSON.stringify({ version, id, chunker, created })}\n`);
}

/**
 * The repository's config. A format version other than this engine's is UNKNOWN_LAYOUT, checked
 * before anything else is, so that a newer repository is refused as such and not as damaged.
 */
export function decodeConfig(bytes: Buffer): RepositoryConfig {
  const version = parseObject(
    z.looseObject({ version: z.unknown() }),
    bytes,
    'the repository config',
  ).version;
  if (version !== FORMAT_VERSION) {
    throw new EngineError(
      'UNKNOWN_LAYOUT',
      `The repository has format version ${JSON.stringify(version)}, which this Strongbox does not know (it knows ${FORMAT_VERSION})`,
    );
  }
  return parseObject(configSchema, bytes, 'the repository config');
}
