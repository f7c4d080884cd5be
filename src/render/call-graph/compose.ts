import type { RunDocument } from '../../core/run-document.js';
import { escapeXml } from '../svg-escape.js';
import { layoutFlow } from '../text/flow.js';
import { FONT_STACK } from '../text/measure.js';
import type { CallGraph } from './aggregate.js';
import { legendLines } from './legend.js';

/** Narrowest picture: the header wraps at this width when the graph itself is narrower (pt). */
const MIN_WIDTH_PT = 760;
const MARGIN_PT = 12;

/** The size and content of an SVG made by Graphviz. */
export interface GraphvizSvg {
  widthPt: number;
  heightPt: number;
  /** Everything inside the root `<svg>` element. */
  inner: string;
}

/** Split Graphviz's SVG output into its size and content. */
export function parseGraphvizSvg(svg: string): GraphvizSvg {
  const open = /<svg\b[^>]*>/.exec(svg);
  if (open === null) throw new Error('stagescope: Graphviz output has no <svg> element');
  const viewBox = /viewBox="([-\d.]+)[ ,]+([-\d.]+)[ ,]+([-\d.]+)[ ,]+([-\d.]+)"/.exec(open[0]);
  const widthPt = viewBox === null ? Number(/width="([\d.]+)/.exec(open[0])?.[1] ?? 0) : Number(viewBox[3]);
  const heightPt = viewBox === null ? Number(/height="([\d.]+)/.exec(open[0])?.[1] ?? 0) : Number(viewBox[4]);
  const end = svg.lastIndexOf('</svg>');
  const inner = svg.slice(open.index + open[0].length, end < 0 ? svg.length : end);
  return { widthPt, heightPt, inner };
}

/**
 * The call-graph picture: a header (title, slowest node and the rule that
 * picked it, stage totals, keys) laid out with stagescope's own text metrics —
 * pieces flow and wrap before the edge — above Graphviz's drawing of the
 * nodes, whose fonts are renamed to the stack the metrics were taken for.
 */
export function composeCallGraphSvg(doc: RunDocument, graph: CallGraph, drawing: GraphvizSvg, heatForShare: (share: number) => string): string {
  const widthPt = Math.ceil(Math.max(drawing.widthPt, MIN_WIDTH_PT));
  const header = layoutFlow(
    legendLines(doc, graph, heatForShare).map((line) => line.flow),
    MARGIN_PT,
    MARGIN_PT,
    widthPt - 2 * MARGIN_PT,
  );
  const top = Math.ceil(header.bottom + 4);
  const heightPt = Math.ceil(top + drawing.heightPt);
  const dx = Math.round((widthPt - drawing.widthPt) / 2);
  // Graphviz names the DOT font; the browser must use the family the boxes were measured for.
  const inner = drawing.inner.replace(/font-family="[^"]*"/g, `font-family="${FONT_STACK}"`);
  const title = `Call graph · preset ${doc.preset ?? 'none'}${doc.command.length > 0 ? ` · ${doc.command.join(' ')}` : ''}`;
  return [
    '<?xml version="1.0" encoding="UTF-8" standalone="no"?>',
    `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="${widthPt}pt" height="${heightPt}pt" viewBox="0 0 ${widthPt} ${heightPt}" font-family="${FONT_STACK}">`,
    `<title>${escapeXml(title)}</title>`,
    '<rect width="100%" height="100%" fill="#ffffff"/>',
    '<g class="header">',
    ...header.svg,
    '</g>',
    `<g class="drawing" transform="translate(${dx} ${top})">`,
    inner.trim(),
    '</g>',
    '</svg>',
    '',
  ].join('\n');
}
