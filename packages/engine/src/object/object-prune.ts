import { EngineError } from '../errors.js';
import { type BlobKind, blobName } from './blob.js';
import type { PackBlobs } from './blob-index.js';
import { PACK_RECORD_LENGTH, PACK_TRAILER_LENGTH, SEAL_OVERHEAD } from './format.js';
import { markReferenced } from './object-mark.js';
import type { OpenRepository } from './open-repository.js';
import { PackWriter } from './pack.js';
import { readPacked } from './pack-reads.js';
import { damaged } from './seal.js';
import type { SnapshotObject } from './snapshot-object.js';

/**
 * What the catalog says of one recorded pack when a prune looks at it:
 * - `live`: in use as far as the catalog knows;
 * - `young`: recorded after the oldest backup running at the horizon started, so possibly stored by
 *   a backup that has not committed yet: left alone this time;
 * - `condemned`: condemned by an earlier prune (its blobs are no longer offered to backups for
 *   dedup), but a backup that could have been offered them before is still running, or was at the
 *   horizon;
 * - `deletable`: condemned, and every backup that could have been offered its blobs before the
 *   condemnation had ended at the horizon.
 */
export type PrunePackState = 'live' | 'young' | 'condemned' | 'deletable';

/** A recorded pack as the prune sees it. */
export interface PrunePack {
  /** The pack's object name, `<kind>/<2 hex>/<64 hex>`. */
  pack: string;
  kind: BlobKind;
  /** The pack's size in bytes. */
  size: number;
  state: PrunePackState;
  /**
   * The blobs whose place in the catalog is this pack. A second copy of a blob that the catalog
   * places in another pack is not listed: no read goes to it, so it is garbage here.
   */
  blobs: { id: Buffer; offset: number; length: number }[];
}

/**
 * The moment a prune fixes before it marks: every backup that had started before `at` had ended
 * when it was taken (its snapshot, if it made one, is therefore among those the mark lists), and
 * `runningBackups` were running then, all started at or after `at`.
 */
export interface PruneHorizon {
  at: Date;
  runningBackups: number;
}

/**
 * What a prune needs of the catalog (in MySQL: packages/db, `pruneCatalog`), beside the repository's
 * blob index. Every method is safe to repeat after a crash.
 */
export interface PruneCatalog {
  /**
   * Takes the horizon from the registry of running backups, after making visible (stamping the
   * time) the condemnations that an earlier prune committed and could not stamp.
   */
  horizon(): Promise<PruneHorizon>;
  /** Every recorded pack with its state at `horizon` and its placed blobs, a page at a time. */
  packs(horizon: PruneHorizon): AsyncIterable<PrunePack[]>;
  /**
   * Condemns packs: from the moment this resolves, no lookup of a backup answers a blob placed in
   * one of them, and the time of that moment is recorded with them.
   */
  condemn(packs: readonly string[]): Promise<void>;
  /** Takes condemned packs back (a snapshot references a blob placed there). */
  rescue(packs: readonly string[]): Promise<void>;
  /**
   * Records a stored pack made of blobs copied out of the packs `from`, places those blobs in it,
   * and condemns `from`, all at once.
   */
  repacked(pack: PackBlobs, from: readonly string[]): Promise<void>;
  /** Forgets a pack whose object was deleted, and the blobs placed in it. */
  forget(pack: string): Promise<void>;
}

/** Points of a prune where a test can stop it (or kill its process). */
export type PrunePoint =
  | 'horizon'
  | 'marked'
  | 'condemned'
  | 'repack-stored'
  | 'repacked'
  | 'pack-deleted'
  | 'pack-forgotten';

export interface PruneOptions {
  /**
   * A pack whose blobs in use (with their header records and the pack's fixed overhead: what a pack
   * of them alone would take) take less than this share of its size is repacked: those blobs are
   * copied into a new pack and the old one is condemned. 0 repacks nothing.
   * @defaultValue {@link REPACK_BELOW}
   */
  repackBelow?: number;
  /** Target size of the packs repacking writes. @defaultValue the repository's */
  packTarget?: number;
  signal?: AbortSignal;
  /**
   * Asked before each object is deleted; throws to stop the prune (the worker's fence: its lease on
   * repository maintenance is still its own).
   */
  fence?: () => Promise<void>;
  /** Test seams: called at each point, awaited. */
  hooks?: { at?: (point: PrunePoint, detail: string) => void | Promise<void> };
}

/** What a prune did. */
export interface PruneReport {
  /** Packs deleted (condemned by an earlier prune and still unreferenced), and their bytes. */
  packsDeleted: number;
  bytesDeleted: number;
  /** Packs whose blobs in use were copied into new packs (they are condemned), and their bytes. */
  packsRepacked: number;
  bytesRepacked: number;
  /** New packs written by repacking, and their bytes. */
  packsWritten: number;
  bytesWritten: number;
  /** Packs condemned now (wholly unreferenced, or repacked), and the blobs placed in them. */
  packsCondemned: number;
  blobsCondemned: number;
  /** Condemned packs taken back because a snapshot now references a blob placed there. */
  packsRescued: number;
  /** Condemned packs left for a later prune: a backup that could use them was running. */
  packsWaiting: number;
  /** Backups running at the horizon (their new packs were left alone). */
  runningBackups: number;
  durationMs: number;
}

/** The default of {@link PruneOptions.repackBelow}: packs more than half garbage are repacked. */
export const REPACK_BELOW = 0.5;

interface Repacking {
  kind: BlobKind;
  writer: PackWriter;
  from: string[];
  bytesFrom: number;
}

/**
 * A prune of an open repository (docs/repository.md, "Maintenance"): deletes what no snapshot
 * references in two steps, so that backups run on beside it without any lock.
 *
 * 1. Catches the catalog up with the store (every stored pack recorded), and takes the horizon.
 * 2. Marks every blob that the snapshots listed now reference (`snapshots`, called after the
 *    horizon): two sets of 32-byte ids, not strings.
 * 3. Goes through the catalog's packs in pages: a `deletable` pack none of whose placed blobs is
 *    marked is deleted, then forgotten; a condemned pack with a marked blob is rescued; a `live`
 *    pack with no marked blob is condemned; a `live` pack whose marked blobs take less than
 *    `repackBelow` of it is repacked (its marked blobs read, authenticated and copied into new
 *    packs, which are stored and recorded before the old pack is condemned); `young` packs wait.
 *
 * Killed anywhere, it leaves every snapshot readable: nothing is deleted that was not condemned by
 * an earlier prune and found unreferenced again after every backup that might use it had ended,
 * and what it had not finished the next prune does.
 */
export async function pruneOpen(
  repo: OpenRepository,
  snapshots: () => Promise<SnapshotObject[]>,
  catalog: PruneCatalog,
  options: PruneOptions = {},
): Promise<PruneReport> {
  const started = performance.now();
  const at = async (point: PrunePoint, detail = '') => {
    options.signal?.throwIfAborted();
    await options.hooks?.at?.(point, detail);
  };
  const repackBelow = options.repackBelow ?? REPACK_BELOW;
  const report: PruneReport = {
    packsDeleted: 0,
    bytesDeleted: 0,
    packsRepacked: 0,
    bytesRepacked: 0,
    packsWritten: 0,
    bytesWritten: 0,
    packsCondemned: 0,
    blobsCondemned: 0,
    packsRescued: 0,
    packsWaiting: 0,
    runningBackups: 0,
    durationMs: 0,
  };

  await repo.blobs.catchUp();
  const horizon = await catalog.horizon();
  report.runningBackups = horizon.runningBackups;
  await at('horizon');
  const marked = await markReferenced(repo, await snapshots());
  await at('marked');

  const target = options.packTarget ?? repo.packTarget;
  const repacking: Record<BlobKind, Repacking | null> = { data: null, tree: null };
  const finishRepack = async (kind: BlobKind) => {
    const current = repacking[kind];
    repacking[kind] = null;
    if (!current || current.writer.count === 0) return;
    const pack = current.writer.finish();
    await repo.store.put(pack.path, pack.bytes);
    await at('repack-stored', pack.path);
    await catalog.repacked(
      {
        pack: pack.path,
        kind,
        size: pack.bytes.length,
        blobs: pack.records.map(({ id, offset, length }) => ({ id, offset, length })),
      },
      current.from,
    );
    report.packsWritten++;
    report.bytesWritten += pack.bytes.length;
    report.packsRepacked += current.from.length;
    report.bytesRepacked += current.bytesFrom;
    report.packsCondemned += current.from.length;
    await at('repacked', pack.path);
  };

  for await (const page of catalog.packs(horizon)) {
    const condemn: string[] = [];
    const rescue: string[] = [];
    for (const pack of page) {
      options.signal?.throwIfAborted();
      const used = pack.blobs.filter(({ id }) => marked[pack.kind].has(id));
      if (pack.state === 'young') continue;
      if (pack.state === 'condemned' || pack.state === 'deletable') {
        if (used.length > 0) rescue.push(pack.pack);
        else if (pack.state === 'condemned') report.packsWaiting++;
        else await deletePack(repo, catalog, pack, report, options, at);
        continue;
      }
      if (used.length === 0) {
        condemn.push(pack.pack);
        report.blobsCondemned += pack.blobs.length;
        continue;
      }
      // What the blobs in use would take in a pack of their own: their bytes, their header records,
      // the header's seal and the trailer. A pack with nothing else is never repacked.
      const usedBytes =
        used.reduce((sum, { length }) => sum + length + PACK_RECORD_LENGTH, 0) +
        SEAL_OVERHEAD +
        PACK_TRAILER_LENGTH;
      if (usedBytes >= pack.size || usedBytes >= repackBelow * pack.size) continue;
      const current = repacking[pack.kind] ?? {
        kind: pack.kind,
        writer: new PackWriter(repo.keys.data, pack.kind, target === undefined ? {} : { target }),
        from: [],
        bytesFrom: 0,
      };
      repacking[pack.kind] = current;
      await copyBlobs(repo, pack, used, current.writer, options.signal);
      current.from.push(pack.pack);
      current.bytesFrom += pack.size;
      report.blobsCondemned += pack.blobs.length - used.length;
      if (current.writer.full) await finishRepack(pack.kind);
    }
    if (condemn.length > 0) {
      await catalog.condemn(condemn);
      report.packsCondemned += condemn.length;
      await at('condemned', condemn.join(','));
    }
    if (rescue.length > 0) {
      await catalog.rescue(rescue);
      report.packsRescued += rescue.length;
    }
  }
  for (const kind of ['data', 'tree'] as const) await finishRepack(kind);
  report.durationMs = Math.round(performance.now() - started);
  return report;
}

/** Deletes a pack's object, then forgets it: killed in between, the next prune deletes it again. */
async function deletePack(
  repo: OpenRepository,
  catalog: PruneCatalog,
  pack: PrunePack,
  report: PruneReport,
  options: PruneOptions,
  at: (point: PrunePoint, detail?: string) => Promise<void>,
): Promise<void> {
  await options.fence?.();
  await repo.store.delete(pack.pack);
  await at('pack-deleted', pack.pack);
  await catalog.forget(pack.pack);
  report.packsDeleted++;
  report.bytesDeleted += pack.size;
  await at('pack-forgotten', pack.pack);
}

/**
 * Reads the blobs in use of a pack being repacked and adds them, sealed as they are, to `writer`;
 * each is authenticated first, so that a damaged blob is never copied over a good one's place.
 */
async function copyBlobs(
  repo: OpenRepository,
  pack: PrunePack,
  used: PrunePack['blobs'],
  writer: PackWriter,
  signal: AbortSignal | undefined,
): Promise<void> {
  const placed = used.map(({ id, offset, length }) => ({
    hex: id.toString('hex'),
    place: { kind: pack.kind, pack: pack.pack, offset, length },
  }));
  const sealed = await readPacked(repo.store, placed, signal);
  for (const { id } of used) {
    const bytes = sealed.get(id.toString('hex'));
    if (!(bytes instanceof Buffer)) {
      throw bytes instanceof EngineError ? bytes : damaged(`no bytes read for ${blobName(pack.kind, id)}`);
    }
    await repo.blobs.open(pack.kind, id, bytes);
    writer.add({ kind: pack.kind, id, sealed: bytes });
  }
}
