import { escapeXml } from '../svg-escape.js';
import { fitText, textWidth } from './measure.js';

/** A run of text in one style. */
export interface FlowText {
  kind: 'text';
  text: string;
  fontSize: number;
  bold?: boolean;
  italic?: boolean;
  fill?: string;
}

/** A colour swatch (legend key), as tall as the line's text. */
export interface FlowSwatch {
  kind: 'swatch';
  color: string;
  opacity?: number;
  stroke?: string;
}

/** Empty room after a legend entry (in em of the line's font size); the next text starts after it. */
export interface FlowGap {
  kind: 'gap';
  em: number;
}

export type FlowPart = FlowText | FlowSwatch | FlowGap;

/** Parts that stay on one line together (a swatch and its label). */
export interface FlowGroup {
  parts: FlowPart[];
}

/** One paragraph: groups flowed left to right, wrapped at the width. */
export interface FlowParagraph {
  groups: FlowGroup[];
  /** Space added above the paragraph (besides the line height). Default 0. */
  spaceBefore?: number;
}

const SWATCH_GAP = 0.35; // em between a swatch and what follows

/**
 * Text pieces as flow groups: one group per word (with its trailing space), so
 * a long sentence wraps between words. A word wider than the line is cut.
 */
export function words(text: string, style: Omit<FlowText, 'kind' | 'text'>): FlowGroup[] {
  const pieces = text.match(/\S+\s*/g) ?? [];
  return pieces.map((piece) => ({ parts: [{ kind: 'text', text: piece, ...style }] }));
}

/** A swatch followed by its label, kept on one line. */
export function swatchLabel(color: string, label: string, style: Omit<FlowText, 'kind' | 'text'>, extra: Partial<FlowSwatch> = {}): FlowGroup {
  // A gap, not trailing spaces: spaces collapse in SVG when the next run is a tspan of the same <text>.
  return {
    parts: [
      { kind: 'swatch', color, ...extra },
      { kind: 'text', text: label, ...style },
      { kind: 'gap', em: 1.2 },
    ],
  };
}

function partWidth(part: FlowPart, lineFontSize: number): number {
  if (part.kind === 'text') return textWidth(part.text, part.fontSize, part.bold === true);
  if (part.kind === 'gap') return part.em * lineFontSize;
  return lineFontSize * (0.9 + SWATCH_GAP);
}

function groupWidth(group: FlowGroup, fontSize: number): number {
  return group.parts.reduce((sum, part) => sum + partWidth(part, fontSize), 0);
}

function groupFontSize(group: FlowGroup): number {
  return Math.max(0, ...group.parts.map((part) => (part.kind === 'text' ? part.fontSize : 0)));
}

/**
 * Lay out paragraphs from `top` down inside [`left`, `left + width`]: every
 * piece is placed after the measured width of the one before it (never at a
 * fixed x), lines wrap before the right edge, and adjacent pieces of one style
 * on a line become one `<text>` element. Returns the SVG elements and the y
 * below the last line.
 */
export function layoutFlow(paragraphs: readonly FlowParagraph[], left: number, top: number, width: number): { svg: string[]; bottom: number } {
  const svg: string[] = [];
  let y = top;
  for (const paragraph of paragraphs) {
    y += paragraph.spaceBefore ?? 0;
    // Break into lines of groups.
    const lines: FlowGroup[][] = [];
    let line: FlowGroup[] = [];
    let used = 0;
    for (const group of paragraph.groups) {
      const size = groupFontSize(group) || 11;
      let groupW = groupWidth(group, size);
      // Trailing spaces do not count against the edge.
      const trimmed = trimGroupEnd(group);
      const trimmedW = groupWidth(trimmed, size);
      if (line.length > 0 && used + trimmedW > width) {
        lines.push(line);
        line = [];
        used = 0;
      }
      if (line.length === 0 && trimmedW > width) {
        // A single group wider than the line: cut its text.
        const cut = cutGroup(trimmed, width, size);
        line.push(cut);
        groupW = groupWidth(cut, size);
      } else {
        line.push(group);
      }
      used += groupW;
    }
    if (line.length > 0) lines.push(line);
    for (const groups of lines) {
      const size = Math.max(11, ...groups.map(groupFontSize));
      const lineHeight = size * 1.4;
      const baseline = y + size * 1.05;
      let x = left;
      // Text between swatches is one <text> with a <tspan> per style: the browser
      // flows the styles after each other with the real font's widths (no gap
      // from our conservative measure), while the measure still bounds the line.
      let open: { x: number; runs: { style: string; text: string }[] } | null = null;
      const close = (): void => {
        if (open === null) return;
        const runs = open.runs;
        runs[runs.length - 1]!.text = runs[runs.length - 1]!.text.trimEnd();
        if (runs.length === 1) svg.push(`<text x="${round(open.x)}" y="${round(baseline)}"${runs[0]!.style}>${escapeXml(runs[0]!.text)}</text>`);
        else
          svg.push(
            `<text x="${round(open.x)}" y="${round(baseline)}">${runs.map((run) => `<tspan${run.style}>${escapeXml(run.text)}</tspan>`).join('')}</text>`,
          );
        open = null;
      };
      for (const group of groups) {
        for (const part of group.parts) {
          const w = partWidth(part, size);
          if (part.kind === 'gap') close();
          else if (part.kind === 'swatch') {
            close();
            const side = size * 0.85;
            const stroke = part.stroke === undefined ? '' : ` stroke="${part.stroke}" stroke-width="0.5"`;
            const opacity = part.opacity === undefined ? '' : ` fill-opacity="${part.opacity}"`;
            svg.push(
              `<rect class="swatch" x="${round(x)}" y="${round(baseline - side * 0.9)}" width="${round(side)}" height="${round(side)}" rx="1.5" fill="${part.color}"${opacity}${stroke}/>`,
            );
          } else {
            const style = textStyle(part);
            if (open === null) open = { x, runs: [{ style, text: part.text }] };
            else {
              const last = open.runs[open.runs.length - 1]!;
              if (last.style === style) last.text += part.text;
              else open.runs.push({ style, text: part.text });
            }
          }
          x += w;
        }
      }
      close();
      y += lineHeight;
    }
  }
  return { svg, bottom: y };
}

function textStyle(part: FlowText): string {
  let style = ` font-size="${part.fontSize}"`;
  if (part.bold === true) style += ' font-weight="bold"';
  if (part.italic === true) style += ' font-style="italic"';
  if (part.fill !== undefined) style += ` fill="${part.fill}"`;
  return style;
}

function trimGroupEnd(group: FlowGroup): FlowGroup {
  const parts = [...group.parts];
  const last = parts[parts.length - 1];
  if (last !== undefined && last.kind === 'text') parts[parts.length - 1] = { ...last, text: last.text.trimEnd() };
  return { parts };
}

function cutGroup(group: FlowGroup, width: number, size: number): FlowGroup {
  const parts: FlowPart[] = [];
  let room = width;
  for (const part of group.parts) {
    const w = partWidth(part, size);
    if (part.kind === 'text' && w > room) {
      const text = fitText(part.text, room, part.fontSize, part.bold === true);
      if (text !== '') parts.push({ ...part, text });
      break;
    }
    if (w > room) break;
    parts.push(part);
    room -= w;
  }
  return { parts };
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
