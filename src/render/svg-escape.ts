/**
 * Escaping for the text that renderers put into markup. Span names come from
 * user code and model files (`<script>`, `a & b`, `"quoted"`): they must render
 * as text, never as markup.
 */

const XML_ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/**
 * Escape text for XML/SVG/HTML element content and attribute values. Also drops
 * characters XML 1.0 forbids (control characters other than tab/newline/CR),
 * which a raw span name could contain and which would make the file unparsable.
 */
export function escapeXml(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '').replace(/[&<>"']/g, (char) => XML_ENTITIES[char]!);
}

/**
 * Quote text as a DOT double-quoted string: backslashes and quotes escaped,
 * newlines become `\n` (centred line break). Graphviz still interprets `\N`,
 * `\G`, `\l` … in labels, so every backslash from the input is doubled.
 */
export function quoteDot(text: string): string {
  // eslint-disable-next-line no-control-regex
  const cleaned = text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '');
  return `"${cleaned.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\r?\n/g, '\\n')}"`;
}

/**
 * Escape text for a Graphviz HTML-like label (`label=<...>`): its content is
 * XML, and Graphviz understands `&amp; &lt; &gt; &quot;` and numeric `&#39;`.
 */
export function escapeDotHtml(text: string): string {
  return escapeXml(text);
}
