/**
 * Split a command line at the first `--`: stagescope's own options before it,
 * the traced command (and, for bench, more commands) after it.
 */
export function splitAtDoubleDash(argv: readonly string[]): { own: string[]; rest: string[] } {
  const separator = argv.indexOf('--');
  return separator < 0 ? { own: [...argv], rest: [] } : { own: argv.slice(0, separator), rest: argv.slice(separator + 1) };
}
