import type { RunDocument } from '../../core/run-document.js';
import { formatBytes, formatDurationNs } from '../format.js';
import { heatColor, stageColor, textColorOn } from '../palette.js';
import { escapeDotHtml, quoteDot } from '../svg-escape.js';
import { textWidth, wrapText } from '../text/measure.js';
import { HEAT_FULL_SHARE, HIGHLIGHT_BORDER, legendLines, pct } from './legend.js';
import { aggregateCallGraph, metricMerge, type CallGraph, type CallGraphNode, type CallGraphOptions } from './aggregate.js';

/** Options of {@link renderDot}: the aggregation options plus presentation. */
export interface DotOptions extends CallGraphOptions {
  /**
   * Layout direction. `'auto'` (default) lays out top-to-bottom, or left-to-right
   * when one level would be wider than a screen (a wide fan-out reads better as rows).
   */
  rankdir?: 'TB' | 'LR' | 'auto';
  /** Characters per line of a node's name (at an average glyph width); longer names wrap (up to 3 lines), then are cut in the middle with "…" (the tooltip has all). Default 34. */
  maxLabelChars?: number;
  /** Metrics shown per node (the tooltip has all). Default 3. */
  maxMetrics?: number;
  /**
   * Who lays the nodes out: `'graphviz'` (the dot engine), `'tidy'` (stagescope's
   * own linear tree layout, left to right), or `'auto'` (default): Graphviz up to
   * {@link TIDY_LAYOUT_THRESHOLD} nodes, tidy past it (Graphviz's layout time
   * grows much faster than linearly: ~1 s at 1,000 nodes). DOT export is always Graphviz's.
   */
  layout?: 'auto' | 'graphviz' | 'tidy';
  /** Put the legend in the DOT as the graph label. Default true (DOT export); the SVG draws its own header instead. */
  legend?: boolean;
}

/**
 * Heat scale: fill = the node's self time as a share of the run. Fixed stops, so
 * the same colour means the same share in every picture; the square root
 * spreads the small shares most nodes have. 40 % of the run and more is the
 * hottest colour.
 */
export function heatForShare(share: number): string {
  return heatColor(Math.sqrt(Math.max(0, share) / HEAT_FULL_SHARE));
}

/**
 * The font Graphviz is told about. Every text cell carries an explicit minimum
 * width measured with stagescope's own metrics (DejaVu Sans / Liberation Sans,
 * the wider of the two) and is left-aligned, so the boxes fit the text whatever
 * metrics Graphviz itself has for this name (graphviz-wasm has none).
 */
const FONT = 'DejaVu Sans';

/** Past this many nodes, the SVG uses the tidy layout (option `layout: 'auto'`). */
export const TIDY_LAYOUT_THRESHOLD = 150;

/** The name width (pt) that `maxLabelChars` stands for. */
export function nameWidthPt(options: Pick<DotOptions, 'maxLabelChars'>): number {
  return (options.maxLabelChars ?? 34) * AVERAGE_CHAR_PT;
}
/** Average bold glyph width at 11 pt, to turn `maxLabelChars` into a width. */
const AVERAGE_CHAR_PT = 7;
const CELL_PAD = 1;

/**
 * The call graph of a run in Graphviz DOT. Nodes are call sites (same name
 * path), filled by self-time heat, with a stage chip; edges carry call counts;
 * the slowest node (most self time by default, see `highlight`) gets a thick
 * purple frame and a "slowest" banner; a legend (the graph label) explains all
 * of it and what was merged into "other" nodes. Pure; every user string is escaped.
 *
 * @example
 * const dot = renderDot(doc); // then dotToSvg(dot) or `dot -Tsvg`
 */
export function renderDot(doc: RunDocument, options: DotOptions = {}): string {
  const graph = aggregateCallGraph(doc, options);
  return renderGraphDot(doc, graph, options);
}

/** Render an already aggregated graph (lets callers inspect the graph and render it once). */
export function renderGraphDot(doc: RunDocument, graph: CallGraph, options: DotOptions = {}): string {
  const maxLabelChars = options.maxLabelChars ?? 34;
  const maxMetrics = options.maxMetrics ?? 3;
  const nameWidthPt = maxLabelChars * AVERAGE_CHAR_PT;
  const rankdir = options.rankdir === undefined || options.rankdir === 'auto' ? autoRankdir(graph, nameWidthPt) : options.rankdir;
  const lines: string[] = [];
  lines.push('digraph stagescope {');
  lines.push(
    `  graph [rankdir=${rankdir}, fontname=${quoteDot(FONT)}, fontsize=11, nodesep=0.25, ranksep=0.4, bgcolor="white", labelloc="t", labeljust="l", pad=0.3];`,
  );
  lines.push(`  node [shape=box, style="rounded,filled", fontname=${quoteDot(FONT)}, fontsize=11, margin="0.08,0.04", color="#555555", penwidth=1];`);
  lines.push(`  edge [fontname=${quoteDot(FONT)}, fontsize=10, color="#666666", arrowsize=0.7];`);
  if (options.legend !== false) lines.push(`  label=<${legendTable(doc, graph)}>;`);
  const byId = new Map(graph.nodes.map((node) => [node.id, node]));
  for (const node of graph.nodes) lines.push(`  ${node.id} [${nodeAttributes(node, graph, nameWidthPt, maxMetrics)}];`);
  for (const edge of graph.edges) {
    const child = byId.get(edge.to);
    const share = child === undefined ? 0 : child.totalNs / graph.rootTotalNs;
    const width = (1 + Math.min(1, share) * 4).toFixed(2);
    const label = `<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="${CELL_PAD}"><TR>${cell({ text: `×${edge.calls}`, size: 10, bold: false, color: '#333333' }, 0)}</TR></TABLE>>`;
    lines.push(`  ${edge.from} -> ${edge.to} [label=${label}, penwidth=${width}];`);
  }
  lines.push('}');
  return lines.join('\n') + '\n';
}

/** One line of text in a node's label. */
export interface LabelRow {
  text: string;
  /** Font size in pt. */
  size: number;
  bold: boolean;
  color: string;
  background?: string;
}

/** Width a row's cell needs: the measured text plus padding and a hair of slack. */
export function rowWidth(row: LabelRow): number {
  return textWidth(row.text, row.size, row.bold) + 2 * CELL_PAD + 2;
}

/**
 * One left-aligned cell at least `widthPt` wide (and as wide as its text).
 * Left alignment matters: Graphviz writes centred text as a `start`-anchored
 * run at an x computed from ITS metrics, so a wider browser font spills to the
 * right; a left-aligned run starts at the cell's edge whatever the font.
 */
function cell(row: LabelRow, widthPt: number): string {
  const width = Math.ceil(Math.max(widthPt, rowWidth(row)));
  const height = Math.ceil(row.size * 1.25 + 2 * CELL_PAD);
  const background = row.background === undefined ? '' : ` BGCOLOR="${row.background}"`;
  const text = escapeDotHtml(row.text);
  return `<TD ALIGN="LEFT" BALIGN="LEFT" WIDTH="${width}" HEIGHT="${height}"${background}><FONT POINT-SIZE="${row.size}" COLOR="${row.color}">${row.bold ? `<B>${text}</B>` : text}</FONT></TD>`;
}

/**
 * Top-to-bottom unless the widest level would not fit a screen (~1050 pt):
 * then left-to-right, which stacks siblings vertically (long model names and
 * wide fan-outs read better as rows than as a very wide strip).
 */
function autoRankdir(graph: CallGraph, nameWidthPt: number): 'TB' | 'LR' {
  const depthOf = new Map<string, number>();
  const widthPt = new Map<number, number>();
  for (const node of graph.nodes) {
    const depth = node.parentId === null ? 0 : (depthOf.get(node.parentId) ?? 0) + 1;
    depthOf.set(node.id, depth);
    const nameWidth = Math.max(...wrapText(node.name, nameWidthPt, 11, true, 3).map((line) => textWidth(line, 11, true)));
    widthPt.set(depth, (widthPt.get(depth) ?? 0) + Math.max(150, nameWidth) + 30);
  }
  return [...widthPt.values()].reduce((max, value) => Math.max(max, value), 0) > 1050 ? 'LR' : 'TB';
}

/**
 * Break a long name into up to three lines at spaces, dots or slashes (model
 * file names stay whole where possible); a piece still too long is cut in the
 * middle, keeping its end ("ch_PP-OCRv4…rec_infer.onnx": the end tells models apart).
 */
export function wrapName(name: string, lineChars: number, maxLines = 3): string[] {
  const flat = name.replace(/\s+/g, ' ').trim();
  const tokens = flat.match(/[^ ./]+[ ./]*|[ ./]+/g) ?? [flat];
  const lines: string[] = [];
  let current = '';
  for (const token of tokens) {
    if (current !== '' && [...current].length + [...token.trimEnd()].length > lineChars) {
      lines.push(current.trimEnd());
      current = '';
    }
    current += token;
  }
  if (current.trim() !== '') lines.push(current.trimEnd());
  const fitted = lines.map((line) => middleCut(line, lineChars));
  if (fitted.length <= maxLines) return fitted;
  // Too many lines: keep the first and the last ones, mark the gap.
  return [...fitted.slice(0, maxLines - 1).map((line, index) => (index === maxLines - 2 ? `${line} …` : line)), fitted[fitted.length - 1]!];
}

function middleCut(text: string, max: number): string {
  const chars = [...text];
  if (chars.length <= max) return text;
  const head = Math.ceil((max - 1) * 0.4);
  return `${chars.slice(0, head).join('')}…${chars.slice(chars.length - (max - 1 - head)).join('')}`;
}

/** Fill colour of a node: self-time heat, grey for merged nodes. */
export function nodeFill(node: CallGraphNode, graph: CallGraph): string {
  return node.collapsed !== null ? '#eeeeee' : heatForShare(node.selfNs / graph.rootTotalNs);
}

/** The lines of a node's label: banner (slowest), stage strip, name, self, total, metrics. */
export function nodeRows(node: CallGraphNode, graph: CallGraph, nameWidthPt: number, maxMetrics: number): LabelRow[] {
  const total = graph.rootTotalNs;
  const hottest = node.id === graph.hottestId;
  const ink = textColorOn(nodeFill(node, graph));
  const rows: LabelRow[] = [];
  if (hottest) rows.push({ text: `★ SLOWEST: most ${graph.options.highlight} time`, size: 11, bold: true, color: '#ffffff', background: HIGHLIGHT_BORDER });
  const stageName = node.mixedStages ? 'mixed stages' : node.stage === null ? 'no stage' : node.stageInherited ? `${node.stage} (parent's stage)` : node.stage;
  rows.push({ text: stageName, size: 9, bold: false, color: textColorOn(stageColor(node.stage)), background: stageColor(node.stage) });
  for (const line of wrapText(node.name, nameWidthPt, 11, true, 3)) rows.push({ text: line, size: 11, bold: true, color: ink });
  rows.push({ text: `self ${formatDurationNs(node.selfNs)} (${pct(node.selfNs, total)})`, size: 11, bold: false, color: ink });
  const errors = node.errors > 0 ? ` · ${node.errors} failed` : '';
  rows.push({
    text: `total ${formatDurationNs(node.totalNs)} (${pct(node.totalNs, total)}) · ${node.calls} call${node.calls === 1 ? '' : 's'}${errors}`,
    size: 10,
    bold: false,
    color: ink,
  });
  const metrics = orderMetrics(Object.keys(node.metrics));
  for (const key of metrics.slice(0, maxMetrics)) rows.push({ text: formatMetric(key, node.metrics[key]!), size: 9, bold: false, color: ink });
  if (metrics.length > maxMetrics) rows.push({ text: `+${metrics.length - maxMetrics} more metrics (tooltip)`, size: 9, bold: false, color: ink });
  return rows;
}

function nodeAttributes(node: CallGraphNode, graph: CallGraph, nameWidthPt: number, maxMetrics: number): string {
  const hottest = node.id === graph.hottestId;
  const fill = nodeFill(node, graph);
  const rows = nodeRows(node, graph, nameWidthPt, maxMetrics);
  // Every cell as wide as the widest row: the stage strip and banner span the node.
  const widthPt = Math.max(...rows.map(rowWidth));
  const label = `<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="${CELL_PAD}">${rows.map((row) => `<TR>${cell(row, widthPt)}</TR>`).join('')}</TABLE>>`;
  const attributes = [`label=${label}`, `fillcolor=${quoteDot(fill)}`, `tooltip=${quoteDot(tooltip(node, graph))}`];
  if (hottest) attributes.push(`color=${quoteDot(HIGHLIGHT_BORDER)}`, 'penwidth=5');
  if (node.collapsed !== null) attributes.push('style="rounded,filled,dashed"');
  if (node.errors > 0 && !hottest) attributes.push('color="#d62728"', 'penwidth=2');
  return attributes.join(', ');
}

export function tooltip(node: CallGraphNode, graph: CallGraph): string {
  const total = graph.rootTotalNs;
  const lines = [
    node.path.join(' → '),
    `stage: ${node.mixedStages ? 'mixed' : (node.stage ?? 'none')}${node.stageInherited ? ' (inherited from the parent span)' : ''}`,
    `calls: ${node.calls}${node.errors > 0 ? ` (${node.errors} failed)` : ''}`,
    `self: ${formatDurationNs(node.selfNs)} (${pct(node.selfNs, total)} of run)`,
    `total: ${formatDurationNs(node.totalNs)} (${pct(node.totalNs, total)} of run)`,
  ];
  if (node.collapsed !== null) {
    // A depth cut's group holds call sites of any size; only a merge by share's are all small.
    const why = node.path.at(-1) === 'deeper' ? 'everything called below this depth' : `each under ${pct(graph.collapse?.minShare ?? 0, 1)} of the run`;
    lines.push(`merged: ${node.collapsed.nodes} call sites, ${node.collapsed.calls} calls, ${why}`);
  }
  for (const target of node.targets) lines.push(`target: ${target}`);
  for (const key of orderMetrics(Object.keys(node.metrics)))
    lines.push(`${formatMetric(key, node.metrics[key]!)} (${metricMerge(key) === 'sum' ? 'sum' : metricMerge(key)} over calls)`);
  return lines.join('\n');
}

/**
 * The legend as a Graphviz HTML table for the DOT export: one single-style run
 * per row (Graphviz places the pieces of a mixed row with its own metrics, so
 * they would overlap in a wider font), long lines wrapped at ~1000 pt.
 */
function legendTable(doc: RunDocument, graph: CallGraph): string {
  const rows: string[] = [];
  for (const line of legendLines(doc, graph, heatForShare)) {
    const size = line.fontSize;
    for (const text of wrapText(line.plain, 1000, size, line.bold)) {
      rows.push(`<TR>${cell({ text, size, bold: line.bold, color: line.color ?? '#000000' }, 0)}</TR>`);
    }
  }
  return `<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="${CELL_PAD}">${rows.join('')}</TABLE>`;
}

/** Metrics people look for first (CPU, heap, RSS), then the rest alphabetically. */
const FIRST_METRICS = ['cpuUserNs', 'heapUsedDeltaBytes', 'rssDeltaBytes', 'cpuSystemNs'];
function orderMetrics(keys: string[]): string[] {
  const rank = (key: string): number => {
    const index = FIRST_METRICS.indexOf(key);
    return index < 0 ? FIRST_METRICS.length : index;
  };
  return [...keys].sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
}

/** `heapUsedDeltaBytes` → `heapUsedDelta 1.0 MiB`; `cpuUserNs` → `cpuUser 12.0 ms`. */
export function formatMetric(key: string, value: number): string {
  if (key.endsWith('Bytes')) return `${key.slice(0, -5)} ${formatBytes(value)}`;
  if (key.endsWith('Ns')) return `${key.slice(0, -2)} ${formatDurationNs(value)}`;
  if (key.endsWith('Ms')) return `${key.slice(0, -2)} ${formatDurationNs(value * 1e6)}`;
  return `${key} ${Number.isInteger(value) ? String(value) : value.toPrecision(4)}`;
}
