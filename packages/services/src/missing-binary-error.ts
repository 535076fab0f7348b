/** A server binary that the local stack needs is not installed. The message says what to install. */
export class MissingBinaryError extends Error {
  readonly code = 'MISSING_BINARY';

  constructor(
    /** The names that were looked for, first one preferred. */
    readonly names: readonly string[],
    /** The Debian package that provides the binary. */
    readonly debianPackage: string,
    /** How to install it, when that is not Debian's package manager. */
    install = `sudo apt-get install ${debianPackage}`,
  ) {
    super(`${names.join(' or ')} was not found. Install it with: ${install}`);
    this.name = 'MissingBinaryError';
  }
}
