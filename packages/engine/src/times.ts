/**
 * Modification times are kept to the microsecond: Node's utimes, futimes and lutimes (libuv) cannot
 * set nanoseconds. These turn a source time into what the snapshot keeps and into what utimes takes.
 */

/** The nanoseconds a snapshot keeps of `ns`: truncated to the microsecond. */
export function keptNs(ns: bigint): bigint {
  return (ns / 1000n) * 1000n;
}

/** Seconds for utimes that land exactly on the kept microsecond despite float rounding. */
export function utimeSeconds(ns: bigint): number {
  const us = ns / 1000n;
  return Number(us / 1_000_000n) + (Number(us % 1_000_000n) + 0.5) / 1e6;
}
