/** A probe output that cannot be understood; names the section and what was wrong. */
export class ProbeParseError extends Error {
  constructor(
    readonly section: string,
    readonly detail: string,
  ) {
    super(`probe section "${section}": ${detail}`);
    this.name = 'ProbeParseError';
  }
}
