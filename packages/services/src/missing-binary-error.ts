/** A server binary that the local stack needs is not installed. The message says what to install. */
export class MissingBinaryError extends Error {
  readonly code = 'MISSING_BINARY';

  constructor(
    /** The names that were looked for, first one preferred. */
    readonly names: readonly string[],
    /** The Debian package that provides the binary. */
    readonly debianPackage: string,
  ) {
    super(`${names.join(' or ')} was not found. Install it with: sudo apt-get install ${debianPackage}`);
    this.name = 'MissingBinaryError';
  }
}
