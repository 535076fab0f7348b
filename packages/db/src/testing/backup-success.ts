/** The outcome of a succeeded backup of one byte into `snapshot`, for finishJob in tests. */
export const backupSuccess = (snapshot: string) => ({
  status: 'succeeded' as const,
  kind: 'backup' as const,
  result: {
    snapshot,
    files: 1,
    bytes: 1,
    copiedFiles: 1,
    copiedBytes: 1,
    linkedFiles: 0,
    skipped: 0,
    warnings: [],
    durationMs: 1,
  },
});
