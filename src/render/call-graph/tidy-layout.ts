import { escapeXml } from '../svg-escape.js';
import { textWidth } from '../text/measure.js';
import type { CallGraph, CallGraphNode } from './aggregate.js';
import type { GraphvizSvg } from './compose.js';
import { nodeFill, nodeRows, rowWidth, tooltip, type LabelRow } from './dot.js';
import { HIGHLIGHT_BORDER } from './legend.js';

const PAD_X = 6;
const PAD_Y = 4;
const GAP_Y = 12;
const MARGIN = 12;

interface Box {
  node: CallGraphNode;
  rows: LabelRow[];
  width: number;
  height: number;
  depth: number;
  x: number;
  y: number;
}

function rowHeight(row: LabelRow): number {
  return row.size * 1.25 + 2;
}

/**
 * Lay a call graph out as a left-to-right tidy tree, in time linear in its
 * nodes, and draw it (nodes, edges, call counts) as the body of an SVG. The
 * call graph is a tree, so a layered layout is exact: depth gives the column,
 * leaves take the next free slot down the page, a parent sits at the middle of
 * its children, and every column is filled top to bottom, so no two boxes
 * overlap. Graphviz's layout grows much faster than linearly; this one is used
 * past a few hundred nodes (see `layout` in the call-graph options).
 */
export function tidyCallGraph(graph: CallGraph, nameWidthPt: number, maxMetrics: number): GraphvizSvg {
  const byId = new Map(graph.nodes.map((node) => [node.id, node]));
  const boxes = new Map<string, Box>();
  const columnWidth: number[] = [];
  for (const node of graph.nodes) {
    const parent = node.parentId === null ? undefined : boxes.get(node.parentId);
    const rows = nodeRows(node, graph, nameWidthPt, maxMetrics);
    const width = Math.ceil(Math.max(...rows.map(rowWidth)) + 2 * PAD_X);
    const height = Math.ceil(rows.reduce((sum, row) => sum + rowHeight(row), 0) + 2 * PAD_Y);
    const depth = parent === undefined ? 0 : parent.depth + 1;
    columnWidth[depth] = Math.max(columnWidth[depth] ?? 0, width);
    boxes.set(node.id, { node, rows, width, height, depth, x: 0, y: 0 });
  }
  const labelWidth = graph.edges.reduce((max, edge) => Math.max(max, textWidth(`×${edge.calls}`, 10)), 0);
  const gapX = Math.ceil(Math.max(60, labelWidth + 36));
  const columnX: number[] = [];
  let x = MARGIN;
  for (let depth = 0; depth < columnWidth.length; depth += 1) {
    columnX[depth] = x;
    x += (columnWidth[depth] ?? 0) + gapX;
  }
  const widthPt = Math.ceil(x - gapX + MARGIN);

  // Post-order with an explicit stack: children are placed before their parent.
  const columnBottom: number[] = [];
  let nextLeafY = MARGIN;
  const place = (box: Box, top: number): void => {
    box.y = Math.max(top, (columnBottom[box.depth] ?? MARGIN - GAP_Y) + GAP_Y);
    box.x = columnX[box.depth]!;
    columnBottom[box.depth] = box.y + box.height;
    nextLeafY = Math.max(nextLeafY, box.y + box.height + GAP_Y);
  };
  const roots = graph.nodes.filter((node) => node.parentId === null || !byId.has(node.parentId));
  const stack: { box: Box; expanded: boolean }[] = roots.reverse().map((node) => ({ box: boxes.get(node.id)!, expanded: false }));
  for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
    const { box } = top;
    const children = box.node.childIds.map((id) => boxes.get(id)).filter((child): child is Box => child !== undefined);
    if (children.length === 0) {
      place(box, nextLeafY);
      continue;
    }
    if (!top.expanded) {
      stack.push({ box, expanded: true });
      for (let index = children.length - 1; index >= 0; index -= 1) stack.push({ box: children[index]!, expanded: false });
      continue;
    }
    const first = children[0]!;
    const last = children[children.length - 1]!;
    const middle = (first.y + first.height / 2 + last.y + last.height / 2) / 2;
    place(box, middle - box.height / 2);
  }
  const heightPt = Math.ceil([...boxes.values()].reduce((max, box) => Math.max(max, box.y + box.height), MARGIN) + MARGIN);

  const out: string[] = [];
  for (const edge of graph.edges) {
    const from = boxes.get(edge.from);
    const to = boxes.get(edge.to);
    if (from === undefined || to === undefined) continue;
    const x1 = from.x + from.width;
    const y1 = from.y + from.height / 2;
    const x2 = to.x;
    const y2 = to.y + to.height / 2;
    const bend = (x2 - x1) / 2;
    const share = Math.min(1, to.node.totalNs / graph.rootTotalNs);
    out.push(
      `<g class="edge"><path d="M${r(x1)},${r(y1)} C${r(x1 + bend)},${r(y1)} ${r(x2 - bend)},${r(y2)} ${r(x2 - 4)},${r(y2)}" fill="none" stroke="#666666" stroke-width="${r(1 + share * 4)}"/>` +
        `<polygon points="${r(x2)},${r(y2)} ${r(x2 - 7)},${r(y2 - 3.5)} ${r(x2 - 7)},${r(y2 + 3.5)}" fill="#666666"/>` +
        `<text x="${r(x2 - 10)}" y="${r(y2 - 5)}" font-size="10" text-anchor="end" fill="#333333">×${edge.calls}</text></g>`,
    );
  }
  for (const box of boxes.values()) {
    const { node } = box;
    const hottest = node.id === graph.hottestId;
    const stroke = hottest
      ? `stroke="${HIGHLIGHT_BORDER}" stroke-width="5"`
      : node.errors > 0
        ? 'stroke="#d62728" stroke-width="2"'
        : 'stroke="#555555" stroke-width="1"';
    const dash = node.collapsed !== null ? ' stroke-dasharray="5,2"' : '';
    const parts: string[] = [`<g class="node" id="${node.id}"><title>${escapeXml(tooltip(node, graph))}</title>`];
    parts.push(`<path d="${roundedRect(box.x, box.y, box.width, box.height, 6)}" fill="${nodeFill(node, graph)}" ${stroke}${dash}/>`);
    let y = box.y + PAD_Y;
    for (const row of box.rows) {
      const h = rowHeight(row);
      if (row.background !== undefined)
        parts.push(`<rect x="${r(box.x + PAD_X - 2)}" y="${r(y)}" width="${r(box.width - 2 * PAD_X + 4)}" height="${r(h)}" fill="${row.background}"/>`);
      parts.push(
        `<text x="${r(box.x + PAD_X)}" y="${r(y + h - 1 - row.size * 0.22)}" font-size="${row.size}"${row.bold ? ' font-weight="bold"' : ''} fill="${row.color}">${escapeXml(row.text)}</text>`,
      );
      y += h;
    }
    parts.push('</g>');
    out.push(parts.join(''));
  }
  return { widthPt, heightPt, inner: out.join('\n') };
}

function roundedRect(x: number, y: number, w: number, h: number, radius: number): string {
  const rr = Math.min(radius, w / 2, h / 2);
  return `M${r(x + rr)},${r(y)} H${r(x + w - rr)} Q${r(x + w)},${r(y)} ${r(x + w)},${r(y + rr)} V${r(y + h - rr)} Q${r(x + w)},${r(y + h)} ${r(x + w - rr)},${r(y + h)} H${r(x + rr)} Q${r(x)},${r(y + h)} ${r(x)},${r(y + h - rr)} V${r(y + rr)} Q${r(x)},${r(y)} ${r(x + rr)},${r(y)} Z`;
}

function r(value: number): number {
  return Math.round(value * 100) / 100;
}
