/**
 * The only place a value is quoted for a remote POSIX shell (DESIGN.md rules 2 and 3).
 *
 * Every argument is wrapped in single quotes, inside which a POSIX shell treats every byte
 * literally; a single quote itself is written as '\'' (close, escaped quote, reopen). This holds
 * for `$(...)`, backticks, `;`, `#`, newlines, globs and spaces alike. Quoting cannot stop a
 * value that begins with `-` from being read as an option by the program receiving it: that is
 * what validation at the API boundary (and `--` where a program accepts it) is for.
 *
 * NUL cannot be passed in a command line at all, so it is refused rather than truncated.
 */
export function shellQuote(value: string): string {
  if (value.includes('\0')) throw new Error('a shell argument cannot contain a NUL byte');
  // Plain words stay readable in the command plans admins review.
  if (/^[A-Za-z0-9_./:=@%+,-]+$/.test(value)) return value;
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Joins argv into one command line for a remote shell, quoting every element. */
export function shellCommand(argv: readonly string[]): string {
  if (argv.length === 0) throw new Error('empty command');
  return argv.map(shellQuote).join(' ');
}
