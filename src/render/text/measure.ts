import { BOLD_WIDTHS, METRIC_CHARS, REGULAR_WIDTHS } from './font-metrics-table.js';

/**
 * The font stack every picture names. DejaVu Sans first: it is the font the
 * shipped metrics come from (with Liberation Sans = Arial/Helvetica metrics),
 * it is on most Linux machines, and it is one of the widest common sans fonts,
 * so text sized for it also fits the narrower system fonts a viewer may pick
 * instead (Helvetica, Arial, Segoe UI, Roboto).
 */
export const FONT_STACK = "'DejaVu Sans', Verdana, 'Liberation Sans', Arial, Helvetica, sans-serif";

/**
 * Extra room on every measured width: Verdana (the stack's second choice) is
 * up to ~2 % wider than DejaVu Sans on some glyphs, and browsers round glyph
 * advances to sub-pixel grids.
 */
const SAFETY = 1.04;

const regular = new Map<number, number>();
const bold = new Map<number, number>();
{
  let index = 0;
  for (const char of METRIC_CHARS) {
    const code = char.codePointAt(0)!;
    regular.set(code, REGULAR_WIDTHS[index]!);
    bold.set(code, BOLD_WIDTHS[index]!);
    index += 1;
  }
}

/** Width of one character in 1/1000 em (table, else a conservative guess by range). */
function charWidth(code: number, isBold: boolean): number {
  const known = (isBold ? bold : regular).get(code);
  if (known !== undefined) return known;
  // Controls, combining marks, zero-width spaces and joiners take no room.
  if (code < 0x20 || (code >= 0x7f && code < 0xa0) || (code >= 0x300 && code < 0x370) || (code >= 0x200b && code <= 0x200f) || code === 0xfeff) return 0;
  // Astral characters (emoji) are drawn by a fallback font, often wider than an em.
  if (code > 0xffff) return 1250;
  // Everything else (CJK, other scripts, symbols the table lacks): a full em.
  return 1000;
}

/** Width of `text` in the same unit as `fontSize` (px, or pt in Graphviz's SVG), with a safety margin. */
export function textWidth(text: string, fontSize: number, isBold = false): number {
  let milli = 0;
  for (const char of text) milli += charWidth(char.codePointAt(0)!, isBold);
  return (milli / 1000) * fontSize * SAFETY;
}

/** The longest prefix of `text` that fits in `maxWidth`, ending in "…" when cut; '' when not even "…" fits. */
export function fitText(text: string, maxWidth: number, fontSize: number, isBold = false): string {
  if (textWidth(text, fontSize, isBold) <= maxWidth) return text;
  const chars = [...text];
  const ellipsis = textWidth('…', fontSize, isBold);
  let used = ellipsis;
  let end = 0;
  while (end < chars.length) {
    const next = textWidth(chars[end]!, fontSize, isBold);
    if (used + next > maxWidth) break;
    used += next;
    end += 1;
  }
  if (used > maxWidth) return '';
  return `${chars.slice(0, end).join('').trimEnd()}…`;
}

/**
 * `text` cut in the middle with "…" so that it fits, keeping the start and more
 * of the end (where model file names differ: "ch_PP-OCRv4…rec_infer.onnx").
 */
export function middleFit(text: string, maxWidth: number, fontSize: number, isBold = false): string {
  if (textWidth(text, fontSize, isBold) <= maxWidth) return text;
  const chars = [...text];
  let head = 0;
  let tail = 0;
  let used = textWidth('…', fontSize, isBold);
  // Alternate: one char from the start for every two from the end.
  for (let turn = 0; head + tail < chars.length; turn += 1) {
    const takeHead = turn % 3 === 0;
    const char = takeHead ? chars[head]! : chars[chars.length - 1 - tail]!;
    const width = textWidth(char, fontSize, isBold);
    if (used + width > maxWidth) break;
    used += width;
    if (takeHead) head += 1;
    else tail += 1;
  }
  if (head + tail === 0) return fitText(text, maxWidth, fontSize, isBold);
  return `${chars.slice(0, head).join('')}…${chars.slice(chars.length - tail).join('')}`;
}

/**
 * Break `text` into lines no wider than `maxWidth`, at spaces (and after `.`,
 * `/`, `_`, `-` inside a word too wide for a line alone); a piece that still does not fit
 * is cut in the middle. At most `maxLines` lines: the last kept line ends in "…".
 */
export function wrapText(text: string, maxWidth: number, fontSize: number, isBold = false, maxLines = Infinity): string[] {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat === '') return [''];
  // Break at spaces; a word too wide for a line alone breaks after . / _ - (model file names).
  const tokens: string[] = [];
  for (const word of flat.split(' ')) {
    if (textWidth(word, fontSize, isBold) <= maxWidth) tokens.push(`${word} `);
    else {
      const parts = word.match(/[^./_-]+[./_-]*|[./_-]+/g) ?? [word];
      parts[parts.length - 1] += ' ';
      tokens.push(...parts);
    }
  }
  const lines: string[] = [];
  let current = '';
  for (const token of tokens) {
    const candidate = current + token;
    if (current !== '' && textWidth(candidate.trimEnd(), fontSize, isBold) > maxWidth) {
      lines.push(current.trimEnd());
      current = token.trimStart();
    } else {
      current = candidate;
    }
  }
  if (current.trim() !== '') lines.push(current.trimEnd());
  const fitted = lines.map((line) => middleFit(line, maxWidth, fontSize, isBold));
  if (fitted.length <= maxLines) return fitted;
  const kept = fitted.slice(0, maxLines);
  // The last kept line says that more follows.
  const chars = [...kept[maxLines - 1]!.replace(/…$/, '')];
  while (chars.length > 0 && textWidth(`${chars.join('')}…`, fontSize, isBold) > maxWidth) chars.pop();
  kept[maxLines - 1] = `${chars.join('').trimEnd()}…`;
  return kept;
}
