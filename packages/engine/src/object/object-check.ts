import { randomInt } from 'node:crypto';
import { EngineError } from '../errors.js';
import { type BlobKind, blobName, decodeBlob } from './blob.js';
import type { BlobPlace } from './blob-index.js';
import { ID_LENGTH } from './format.js';
import { IdSet } from './id-set.js';
import type { ObjectEntry } from './object-store.js';
import type { OpenRepository } from './open-repository.js';
import { PackReader, type PackRecord, readPackHeader } from './pack.js';
import { openSnapshot, type SnapshotObject } from './snapshot-object.js';
import { decodeTree, type TreePart } from './tree.js';

/**
 * What a check can find (docs/repository.md, "Maintenance"). `damage` codes make a check fail:
 * something a snapshot needs is gone, altered, or mislaid by the catalog. The others are notices:
 * packs no snapshot references (a prune's to collect) and packs the catalog has not recorded yet.
 */
export const CHECK_FINDINGS = {
  PACK_MISSING: true,
  PACK_DAMAGED: true,
  BLOB_MISSING: true,
  BLOB_DAMAGED: true,
  BLOB_MISPLACED: true,
  BLOB_UNRECORDED: true,
  SNAPSHOT_DAMAGED: true,
  PACK_UNREFERENCED: false,
  PACK_UNRECORDED: false,
} as const satisfies Record<string, boolean>;

export type CheckFindingCode = keyof typeof CHECK_FINDINGS;

/** One thing a check found. */
export interface CheckFinding {
  code: CheckFindingCode;
  /** Whether it is damage (the check fails), not a notice. */
  damage: boolean;
  message: string;
  /** The pack concerned (its object name), if one is. */
  pack: string | null;
  /** The blob concerned (64 hex), if one is. */
  blob: string | null;
  /** The snapshots (job ids) that cannot be read whole because of it, sorted. */
  snapshots: string[];
}

/** The catalog's side of a check: its packs and where it places blobs. */
export interface CheckCatalog {
  /**
   * Every pack the catalog names: recorded (with its size), or only as the place of blobs (size
   * null), with how many blobs it places there.
   */
  packs(): Promise<{ name: string; size: number | null; blobs: number }[]>;
  /** Where the catalog places the blobs among `ids` that it records (by hex id). */
  places(ids: readonly Buffer[]): Promise<Map<string, BlobPlace>>;
  /** The blobs the catalog places in `pack`. */
  placedIn(pack: string): Promise<{ id: Buffer; offset: number; length: number }[]>;
  /** The names among `packs` that the catalog has not recorded. */
  unrecorded(packs: readonly string[]): Promise<Set<string>>;
}

/** How much of the packs' data a check reads: none (headers only), every pack, or N % of them. */
export type ReadData = 'none' | 'all' | { subset: number };

export interface CheckOptions {
  catalog: CheckCatalog;
  readData?: ReadData;
  signal?: AbortSignal;
}

/** What a check found, and what it went through. */
export interface CheckReport {
  /** No finding is damage. */
  ok: boolean;
  /** Snapshot objects listed (damaged ones included). */
  snapshots: number;
  /** Packs in the repository when it was listed. */
  packs: number;
  /** Distinct tree and data blobs the snapshots reference. */
  referencedBlobs: number;
  /** Packs read whole, every blob authenticated and its id hashed again. */
  packsRead: number;
  /** The bytes of those packs. */
  bytesRead: number;
  /** Packs that hold no blob a snapshot references, and their bytes. */
  orphans: { packs: number; bytes: number };
  /** The findings, sorted by code, pack and blob; at most MAX_FINDINGS of them. */
  findings: CheckFinding[];
  /** All findings, including those past MAX_FINDINGS. */
  findingsTotal: number;
}

/** Findings a report lists at most (all are counted). */
export const MAX_FINDINGS = 1000;

/** Ids asked about in one question to the catalog. */
const PAGE = 1000;

interface Found {
  finding: CheckFinding;
  /** The blobs whose loss it means, to find the snapshots it affects. */
  blobs: Buffer[];
}

/**
 * Checks an object repository against its catalog and itself (docs/repository.md, "Maintenance"),
 * read-only: every pack's header is authenticated and agrees with the catalog; every tree of every
 * snapshot is read and every chunk it names is placed by the catalog in a pack that exists; with
 * `readData`, every byte of the packs chosen is read and authenticated, and every blob's id hashed
 * again. Memory: the referenced ids in one sorted buffer (32 bytes each), the pack listing, and one
 * pack's bytes at a time. Backups may run meanwhile: a pack or a snapshot that appears after the
 * listing is not an error.
 */
export async function checkRepository(repo: OpenRepository, options: CheckOptions): Promise<CheckReport> {
  const { catalog, signal } = options;
  const found: Found[] = [];
  const add = (
    code: CheckFindingCode,
    message: string,
    where: { pack?: string; blob?: Buffer },
    blobs: Buffer[],
  ) => {
    found.push({
      finding: {
        code,
        damage: CHECK_FINDINGS[code],
        message,
        pack: where.pack ?? null,
        blob: where.blob ? where.blob.toString('hex') : null,
        snapshots: [],
      },
      blobs,
    });
  };

  // 1. The packs in the repository, then those in the catalog: a pack the catalog names that the
  // listing lacks is looked for once more (a backup may have stored it since).
  const stored = new Map<string, ObjectEntry & { kind: BlobKind }>();
  for (const kind of ['data', 'tree'] as const) {
    for await (const entry of repo.store.list(`${kind}/`)) stored.set(entry.name, { ...entry, kind });
  }
  const cataloged = new Map<string, { size: number | null; blobs: number }>();
  for (const { name, size, blobs } of await catalog.packs()) cataloged.set(name, { size, blobs });
  const missing = new Set<string>();
  for (const [name, { size, blobs }] of cataloged) {
    const entry = stored.get(name);
    if (!entry) {
      if ((await repo.store.head(name)) !== undefined) continue;
      missing.add(name);
      const placed = blobs > 0 ? await catalog.placedIn(name) : [];
      add(
        'PACK_MISSING',
        `pack ${name} is in the catalog (${placed.length} blobs placed in it) but not in the repository`,
        { pack: name },
        placed.map(({ id }) => id),
      );
    } else if (size !== null && size !== entry.size) {
      const placed = await catalog.placedIn(name);
      add(
        'PACK_DAMAGED',
        `pack ${name} holds ${entry.size} bytes; the catalog recorded ${size}`,
        { pack: name },
        placed.map(({ id }) => id),
      );
    }
  }

  // 2. The snapshots, every tree read once, every chunk collected.
  const snapshots: SnapshotObject[] = [];
  let listedSnapshots = 0;
  for await (const { name } of repo.store.list('snapshots/')) {
    const jobId = name.slice('snapshots/'.length);
    listedSnapshots++;
    try {
      snapshots.push(openSnapshot(repo.keys.data, jobId, await repo.store.get(name)));
    } catch (error) {
      if (!isDamage(error)) throw error;
      found.push({
        finding: {
          code: 'SNAPSHOT_DAMAGED',
          damage: true,
          message: `snapshot ${jobId}: ${error.message}`,
          pack: null,
          blob: null,
          snapshots: [jobId],
        },
        blobs: [],
      });
    }
  }
  const trees = new TreeRead(repo, catalog, missing);
  const dataRefs = new IdSet();
  const treeRefs = new IdSet();
  const pending = snapshots.map((snapshot) => snapshot.tree);
  for (let hex = pending.pop(); hex !== undefined; hex = pending.pop()) {
    const id = Buffer.from(hex, 'hex');
    if (!treeRefs.add(id)) continue;
    signal?.throwIfAborted();
    const part = await trees.read(id);
    if (part === 'missing')
      add('BLOB_MISSING', `no pack in the catalog holds ${blobName('tree', id)}`, { blob: id }, [id]);
    else if (part instanceof EngineError) add('BLOB_DAMAGED', part.message, { blob: id }, [id]);
    if (part === 'missing' || part === 'lost' || part instanceof EngineError) continue;
    if (part.next !== undefined) pending.push(part.next);
    for (const entry of part.entries) {
      if (entry.type === 'dir') pending.push(entry.subtree);
      else if (entry.type === 'file')
        for (const blob of entry.content) dataRefs.add(Buffer.from(blob, 'hex'));
    }
  }

  // 3. Every chunk placed by the catalog (a place in a missing pack is that pack's finding).
  let page: Buffer[] = [];
  const lookUp = async () => {
    const places = await catalog.places(page);
    for (const id of page) {
      if (!places.has(id.toString('hex')))
        add('BLOB_MISSING', `no pack in the catalog holds ${blobName('data', id)}`, { blob: id }, [id]);
    }
    page = [];
  };
  for (const id of dataRefs) {
    page.push(id);
    if (page.length >= PAGE) await lookUp();
  }
  await lookUp();

  // 4. Every pack: its header (or, with readData, its whole bytes) against the catalog.
  const chosen = chooseRead(options.readData ?? 'none', [...stored.keys()]);
  let packsRead = 0;
  let bytesRead = 0;
  const orphans = { packs: 0, bytes: 0 };
  const unrecordedAtFirst: string[] = [];
  for (const [name, { size, kind }] of stored) {
    signal?.throwIfAborted();
    const entry = cataloged.get(name);
    if (!entry || entry.size === null) unrecordedAtFirst.push(name);
    let records: readonly PackRecord[];
    let reader: PackReader | undefined;
    try {
      if (chosen.has(name)) {
        const bytes = await repo.store.get(name);
        packsRead++;
        bytesRead += bytes.length;
        reader = new PackReader(repo.keys.data, kind, Buffer.from(name.slice(-2 * ID_LENGTH), 'hex'), bytes);
        records = reader.records;
      } else {
        records = await readPackHeader(repo.store, repo.keys.data, kind, name, size);
      }
    } catch (error) {
      if (!isDamage(error)) throw error;
      const placed = await catalog.placedIn(name);
      add(
        'PACK_DAMAGED',
        error.message,
        { pack: name },
        placed.map(({ id }) => id),
      );
      continue;
    }
    let placedHere = 0;
    for (let at = 0; at < records.length; at += PAGE) {
      const slice = records.slice(at, at + PAGE);
      const places = await catalog.places(slice.map(({ id }) => id));
      for (const record of slice) {
        const place = places.get(record.id.toString('hex'));
        const ours = place?.pack === name;
        if (ours) placedHere++;
        if (!place) {
          if (entry && entry.size !== null)
            add(
              'BLOB_UNRECORDED',
              `pack ${name} holds ${blobName(kind, record.id)}, which the catalog does not record`,
              { pack: name, blob: record.id },
              [record.id],
            );
        } else if (ours && (place.offset !== record.offset || place.length !== record.length)) {
          add(
            'BLOB_MISPLACED',
            `the catalog places ${blobName(kind, record.id)} at ${place.offset}+${place.length} in pack ${name}, whose header says ${record.offset}+${record.length}`,
            { pack: name, blob: record.id },
            [record.id],
          );
        }
        if (reader) {
          const sealed = reader.sealedBlob(record.id);
          try {
            if (!sealed) throw new Error('unreachable: a pack reader holds every record of its header');
            await decodeBlob(repo.keys, kind, record.id, sealed);
          } catch (error) {
            if (!isDamage(error)) throw error;
            // Only the copy the catalog reads matters to snapshots; another copy is still damage.
            add(
              'BLOB_DAMAGED',
              `pack ${name}: ${error.message}`,
              { pack: name, blob: record.id },
              ours ? [record.id] : [],
            );
          }
        }
      }
    }
    if (entry && entry.blobs > placedHere) {
      const listed = new Set(records.map(({ id }) => id.toString('hex')));
      for (const { id } of await catalog.placedIn(name)) {
        if (listed.has(id.toString('hex'))) continue;
        add(
          'BLOB_MISPLACED',
          `the catalog places ${blobName(kind, id)} in pack ${name}, whose header does not list it`,
          { pack: name, blob: id },
          [id],
        );
      }
    }
    const refs = kind === 'data' ? dataRefs : treeRefs;
    if (!records.some(({ id }) => refs.has(id))) {
      orphans.packs++;
      orphans.bytes += size;
      add(
        'PACK_UNREFERENCED',
        `pack ${name} (${size} bytes) holds no blob a snapshot references`,
        { pack: name },
        [],
      );
    }
  }
  // Recorded since the listing (a backup records a pack right after storing it): not a finding.
  for (let at = 0; at < unrecordedAtFirst.length; at += PAGE) {
    for (const name of await catalog.unrecorded(unrecordedAtFirst.slice(at, at + PAGE))) {
      add('PACK_UNRECORDED', `pack ${name} is in the repository but not in the catalog`, { pack: name }, []);
    }
  }

  await attribute(found, snapshots, trees);
  const findings = found
    .map(({ finding }) => finding)
    .sort(
      (a, b) =>
        compare(a.code, b.code) || compare(a.pack ?? '', b.pack ?? '') || compare(a.blob ?? '', b.blob ?? ''),
    );
  return {
    ok: !findings.some((finding) => finding.damage),
    snapshots: listedSnapshots,
    packs: stored.size,
    referencedBlobs: dataRefs.size + treeRefs.size,
    packsRead,
    bytesRead,
    orphans,
    findings: findings.slice(0, MAX_FINDINGS),
    findingsTotal: findings.length,
  };
}

/** Reads trees by the catalog's places, telling a missing place, a missing pack and damage apart. */
class TreeRead {
  constructor(
    private readonly repo: OpenRepository,
    private readonly catalog: CheckCatalog,
    private readonly missingPacks: ReadonlySet<string>,
  ) {}

  /** The tree part; 'missing' when the catalog places it nowhere, 'lost' in a missing pack. */
  async read(id: Buffer): Promise<TreePart | 'missing' | 'lost' | EngineError> {
    const place = (await this.catalog.places([id])).get(id.toString('hex'));
    if (!place) return 'missing';
    if (this.missingPacks.has(place.pack)) return 'lost';
    try {
      const sealed = await this.repo.store.getRange(place.pack, place.offset, place.length);
      const what = blobName('tree', id);
      return decodeTree(await decodeBlob(this.repo.keys, 'tree', id, sealed), what);
    } catch (error) {
      if (!isDamage(error)) throw error;
      return error;
    }
  }
}

/**
 * Names in each finding the snapshots that reach one of its blobs: every snapshot's trees walked
 * again, each tree once, remembering which findings lie under it. Only when a finding names blobs.
 */
async function attribute(found: readonly Found[], snapshots: readonly SnapshotObject[], trees: TreeRead) {
  const byBlob = new Map<string, number[]>();
  found.forEach(({ blobs }, index) => {
    for (const id of blobs) {
      const hex = id.toString('hex');
      byBlob.set(hex, [...(byBlob.get(hex) ?? []), index]);
    }
  });
  if (byBlob.size === 0) return;
  const none: ReadonlySet<number> = new Set();
  const memo = new Map<string, ReadonlySet<number>>();
  const under = async (hex: string): Promise<ReadonlySet<number>> => {
    const known = memo.get(hex);
    if (known) return known;
    const reached = new Set(byBlob.get(hex) ?? []);
    const part = await trees.read(Buffer.from(hex, 'hex'));
    if (typeof part !== 'string' && !(part instanceof EngineError)) {
      const children: string[] = part.next === undefined ? [] : [part.next];
      for (const entry of part.entries) {
        if (entry.type === 'dir') children.push(entry.subtree);
        else if (entry.type === 'file')
          for (const blob of entry.content) for (const index of byBlob.get(blob) ?? []) reached.add(index);
      }
      for (const child of children) for (const index of await under(child)) reached.add(index);
    }
    const answer = reached.size === 0 ? none : reached;
    memo.set(hex, answer);
    return answer;
  };
  for (const snapshot of snapshots) {
    for (const index of await under(snapshot.tree)) found[index]!.finding.snapshots.push(snapshot.jobId);
  }
  for (const { finding } of found) finding.snapshots.sort(compare);
}

/** The packs whose every byte is read: none, all, or a random N % (at least one), new at every check. */
function chooseRead(readData: ReadData, packs: readonly string[]): ReadonlySet<string> {
  if (readData === 'none') return new Set();
  if (readData === 'all') return new Set(packs);
  const shuffled = [...packs];
  const count = Math.min(shuffled.length, Math.ceil((readData.subset / 100) * shuffled.length));
  for (let at = 0; at < count; at++) {
    const other = at + randomInt(shuffled.length - at);
    [shuffled[at], shuffled[other]] = [shuffled[other]!, shuffled[at]!];
  }
  return new Set(shuffled.slice(0, count));
}

function isDamage(error: unknown): error is EngineError {
  return error instanceof EngineError && error.code === 'REPOSITORY_DAMAGED';
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
