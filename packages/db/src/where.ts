export type SqlValue = string | number | Date;

/** AND-ed conditions with their placeholders' values, for the list queries' optional filters. */
export class Where {
  private readonly clauses: string[] = [];
  readonly params: SqlValue[] = [];

  /** Adds `clause` with `values` when the first value is given (not undefined or empty). */
  add(clause: string, ...values: (SqlValue | undefined)[]): this {
    if (values[0] === undefined || values[0] === '') return this;
    this.clauses.push(clause);
    this.params.push(...(values as SqlValue[]));
    return this;
  }

  toString(): string {
    return this.clauses.length ? `WHERE ${this.clauses.join(' AND ')}` : '';
  }
}

/** `?, ?, …`: one placeholder per value, for `IN (…)`. */
export function placeholders(values: readonly unknown[]): string {
  return values.map(() => '?').join(', ');
}
