/**
 * One row of a table printed page by page: each value padded to its column's width (a longer
 * one just pushes the rest along), the last one not padded. Fixed widths keep the pages of a
 * long listing aligned with each other without holding them all in memory.
 */
export function columns(values: string[], widths: number[]): string {
  return values
    .map((value, i) => (i === values.length - 1 ? value : value.padEnd(widths[i] ?? 0)))
    .join('  ')
    .trimEnd();
}
