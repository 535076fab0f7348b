import { EngineError } from '../errors.js';
import { keyCreated, newKeyId, sealMasterKeys } from './master-keys.js';
import { named, openKeys } from './object-repository.js';
import type { ObjectStore } from './object-store.js';

/**
 * The passwords of a repository (docs/repository.md, "Keys"): each is a key object holding the same
 * master key set, so adding, removing or rotating one re-encrypts nothing. Every change first opens
 * a key with `password` (WRONG_PASSWORD otherwise, and nothing is written): whoever changes the keys
 * knows one of them.
 *
 * One password of a repository: its key object `keys/<id>`.
 */
export interface KeyInfo {
  /** The key id: 32 hex digits, the object's name under `keys/`. */
  id: string;
  /** When the key was made, as its object records (ISO 8601). */
  created: string;
  /** Whether the password given to the listing opens this key. */
  current: boolean;
}

export interface KeyOptions {
  /** The scrypt cost of a new key. @defaultValue SCRYPT (N = 65536, r = 8, p = 1) */
  scrypt?: { N: number; r: number; p: number };
}

const KEY_ID = /^[0-9a-f]{32}$/;

/** The repository's keys, in name order; `password` must open one of them. */
export async function listKeys(store: ObjectStore, password: string): Promise<KeyInfo[]> {
  return named(store, async () => {
    const { keyId } = await openKeys(store, password);
    const keys: KeyInfo[] = [];
    for await (const { name } of store.list('keys/')) {
      const id = name.slice('keys/'.length);
      keys.push({ id, created: keyCreated(await store.get(name), id), current: id === keyId });
    }
    return keys;
  });
}

/**
 * Adds `newPassword`: a new key object sealing the master key set that `password` opens. Answers the
 * new key's id. The new password is never written anywhere but sealed into the scrypt-derived key.
 */
export async function addKey(
  store: ObjectStore,
  password: string,
  newPassword: string,
  options: KeyOptions = {},
): Promise<string> {
  if (newPassword.length === 0) throw new RangeError('a new password is not empty');
  return named(store, async () => {
    const { keys } = await openKeys(store, password);
    const id = newKeyId();
    const sealed = await sealMasterKeys(
      keys,
      newPassword,
      id,
      options.scrypt ? { scrypt: options.scrypt } : {},
    );
    // A fresh random name: `exists` would mean 128 random bits repeated.
    if ((await store.putIfAbsent(`keys/${id}`, sealed)) === 'exists') {
      throw new EngineError('REPOSITORY_DAMAGED', `Repository damaged: key ${id} exists already`);
    }
    return id;
  });
}

/**
 * Removes the key `keyId` (any key, the one `password` opens included, as long as another stays).
 * @throws EngineError NO_SUCH_KEY when the repository has no key of that id, LAST_KEY when it is
 *   the only one (nothing is deleted then), WRONG_PASSWORD when `password` opens no key.
 */
export async function removeKey(store: ObjectStore, password: string, keyId: string): Promise<void> {
  await named(store, async () => {
    await openKeys(store, password);
    const ids: string[] = [];
    for await (const { name } of store.list('keys/')) ids.push(name.slice('keys/'.length));
    if (!KEY_ID.test(keyId) || !ids.includes(keyId)) {
      throw new EngineError('NO_SUCH_KEY', `The repository has no key ${JSON.stringify(keyId)}`);
    }
    if (ids.length === 1) {
      throw new EngineError(
        'LAST_KEY',
        `Key ${keyId} is the repository's last key: add another password before removing it`,
      );
    }
    await store.delete(`keys/${keyId}`);
  });
}

/**
 * Replaces the password that opens the repository with `newPassword` in one step: adds the new
 * key, then removes the key `password` opened. Answers both ids. Should the removal fail, both
 * passwords open the repository and the call fails: removing the old key again finishes it.
 */
export async function rotateKey(
  store: ObjectStore,
  password: string,
  newPassword: string,
  options: KeyOptions = {},
): Promise<{ added: string; removed: string }> {
  const { keyId: removed } = await named(store, () => openKeys(store, password));
  const added = await addKey(store, password, newPassword, options);
  await removeKey(store, newPassword, removed);
  return { added, removed };
}
