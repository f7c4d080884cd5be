/**
 * Make a user string (a span name, an error message) safe for one line of a
 * terminal: newlines, tabs and other control characters (C0, DEL, C1), line
 * and paragraph separators and bidirectional overrides become visible escapes
 * (`\n`, `\t`, `\u001b`), so a name can neither start a forged tree line nor
 * send terminal escape sequences nor reorder the text around it.
 *
 * @example escapeTerminal('a\nb') === 'a\\nb'
 */
export function escapeTerminal(text: string): string {
  // Most names are printable ASCII, which needs nothing: one scan tells, where
  // the regular expression's compile alone (its first use, at a traced run's
  // exit) was 0.17 ms of printing a one-line tree.
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code < 0x20 || code > 0x7e) return escapeUnsafe(text);
  }
  return text;
}

function escapeUnsafe(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (char) => {
    if (char === '\n') return '\\n';
    if (char === '\r') return '\\r';
    if (char === '\t') return '\\t';
    return `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
}
