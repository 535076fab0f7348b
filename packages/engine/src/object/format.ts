/**
 * The constants of the object repository's format, version 1. docs/repository.md specifies the
 * format and names this file: a number changed here changes the format, and so its version.
 */

/** The format version that `config` records; a reader refuses any other. */
export const FORMAT_VERSION = 1;

const KiB = 1024;
const MiB = 1024 * KiB;

/** Every secret key (data, id, chunker) and the key derived from a password: 256 bits. */
export const KEY_LENGTH = 32;

/** AES-256-GCM: a 96-bit random nonce before the ciphertext, a 128-bit tag after it. */
export const NONCE_LENGTH = 12;
export const TAG_LENGTH = 16;
export const SEAL_OVERHEAD = NONCE_LENGTH + TAG_LENGTH;

/** scrypt, deriving the key that seals the master key set from a password (64 MiB of memory). */
export const SCRYPT = { N: 65_536, r: 8, p: 1 } as const;
export const SALT_LENGTH = 32;
/**
 * The largest scrypt parameters a reader accepts from a key object, so that a damaged or hostile
 * one cannot make it allocate without bound: N ≤ 2^20 with r = 8 is 1 GiB.
 */
export const SCRYPT_LIMITS = { maxN: 1_048_576, maxR: 16, maxP: 16, maxMemory: 1024 * MiB } as const;

/** A blob id: HMAC-SHA256 of its plaintext under the id key. A pack id: SHA-256 of its bytes. */
export const ID_LENGTH = 32;

/** The first byte of an encoded blob: its body is the plaintext as it is, or raw DEFLATE of it. */
export const BLOB_STORED = 0x00;
export const BLOB_DEFLATED = 0x01;
/** DEFLATE level 1: most of the ratio of the default level at a fraction of its time. */
export const DEFLATE_LEVEL = 1;
/** A blob larger than this is compressed only if its first 64 KiB shrink when compressed. */
export const COMPRESSION_SAMPLE = 64 * KiB;
/** The largest plaintext of any blob; a reader inflates no further than this. */
export const MAX_BLOB_SIZE = 64 * MiB;

/** The two kinds of blob, as the byte a pack header records them with. */
export const BLOB_KINDS = { data: 1, tree: 2 } as const;

/** A pack header record: kind (1 byte), id (32), offset (4, big-endian), length (4, big-endian). */
export const PACK_RECORD_LENGTH = 1 + ID_LENGTH + 4 + 4;
/** The last 4 bytes of a pack: the length of its sealed header, big-endian. */
export const PACK_TRAILER_LENGTH = 4;
/** A writer finishes a pack once it holds this many bytes (configurable per writer). */
export const PACK_TARGET_SIZE = 32 * MiB;
/** Offsets and lengths are 32-bit: no pack reaches 4 GiB. */
export const PACK_MAX_SIZE = 2 ** 32 - 1;

/**
 * The content-defined chunker. A cut falls after the byte where the top `maskBits` bits of the
 * 32-bit gear hash are all zero, once a chunk holds `min` bytes; a chunk never exceeds `max`. The
 * distance past `min` to a cut is geometric with mean 2^maskBits, so the average chunk is about
 * min + 1 MiB = 1.5 MiB on data without repetition.
 */
export const CHUNKER = { min: 512 * KiB, maskBits: 20, max: 8 * MiB } as const;
/** The gear hash sees the last 32 bytes: older ones are shifted out of its 32 bits. */
export const GEAR_WINDOW = 32;

/** A writer starts a new tree part when the current one would grow past this many bytes of JSON. */
export const TREE_PART_TARGET = 4 * MiB;
