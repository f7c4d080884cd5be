/**
 * Make a span name (or a label) safe to print on one terminal line: newlines,
 * carriage returns, tabs, escape sequences and other control characters, and
 * the bidirectional overrides that reorder what a reader sees, are shown as
 * visible escapes (`\n`, `\x1b`, `\u202e`). A span name is data from the traced
 * program; without this it could forge table rows or recolour the terminal.
 */
export function escapeControlChars(text: string): string {
  // C0 controls, DEL, C1 controls, line/paragraph separators, bidi embeddings/overrides/isolates.
  // eslint-disable-next-line no-control-regex -- matching control characters is the point: they are escaped
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (char) => {
    switch (char) {
      case '\n':
        return '\\n';
      case '\r':
        return '\\r';
      case '\t':
        return '\\t';
      default: {
        const code = char.charCodeAt(0);
        return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
      }
    }
  });
}
