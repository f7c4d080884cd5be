import type { RunDocument } from '../../core/run-document.js';
import { formatBytes, formatDurationNs } from '../format.js';
import { heatColor, STAGE_COLORS, STAGE_ORDER, stageColor, textColorOn } from '../palette.js';
import { stageTotals } from '../stage-totals.js';
import { escapeDotHtml, quoteDot } from '../svg-escape.js';
import { aggregateCallGraph, metricMerge, type CallGraph, type CallGraphNode, type CallGraphOptions } from './aggregate.js';

/** Options of {@link renderDot}: the aggregation options plus presentation. */
export interface DotOptions extends CallGraphOptions {
  /**
   * Layout direction. `'auto'` (default) lays out top-to-bottom, or left-to-right
   * when one level has more than 6 nodes (a wide fan-out reads better as rows).
   */
  rankdir?: 'TB' | 'LR' | 'auto';
  /** Characters per line of a node's name; longer names wrap (up to 3 lines), then are cut in the middle with "…" (the tooltip has all). Default 34. */
  maxLabelChars?: number;
  /** Metrics shown per node (the tooltip has all). Default 3. */
  maxMetrics?: number;
}

/**
 * Heat scale: fill = the node's self time as a share of the run. Fixed stops, so
 * the same colour means the same share in every picture; the square root
 * spreads the small shares most nodes have. 40 % of the run and more is the
 * hottest colour.
 */
const HEAT_FULL_SHARE = 0.4;
export function heatForShare(share: number): string {
  return heatColor(Math.sqrt(Math.max(0, share) / HEAT_FULL_SHARE));
}

const HIGHLIGHT_BORDER = '#6a00a8';
const FONT = 'Helvetica';

/**
 * The call graph of a run in Graphviz DOT. Nodes are call sites (same name
 * path), filled by self-time heat, with a stage chip; edges carry call counts;
 * the node with the greatest SELF time gets a thick purple frame and a
 * "slowest" banner; a legend (the graph label) explains all of it and what was
 * merged into "other" nodes. Pure; every user string is escaped.
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
  const rankdir = options.rankdir === undefined || options.rankdir === 'auto' ? autoRankdir(graph, maxLabelChars) : options.rankdir;
  const lines: string[] = [];
  lines.push('digraph stagescope {');
  lines.push(`  graph [rankdir=${rankdir}, fontname=${quoteDot(FONT)}, fontsize=11, nodesep=0.25, ranksep=0.4, bgcolor="white", labelloc="t", labeljust="l", pad=0.3];`);
  lines.push(`  node [shape=box, style="rounded,filled", fontname=${quoteDot(FONT)}, fontsize=11, margin="0.08,0.04", color="#555555", penwidth=1];`);
  lines.push(`  edge [fontname=${quoteDot(FONT)}, fontsize=10, color="#666666", arrowsize=0.7];`);
  lines.push(`  label=<${legend(doc, graph)}>;`);
  for (const node of graph.nodes) lines.push(`  ${node.id} [${nodeAttributes(node, graph, maxLabelChars, maxMetrics)}];`);
  for (const edge of graph.edges) {
    const child = graph.nodes.find((node) => node.id === edge.to);
    const share = child === undefined ? 0 : child.totalNs / graph.rootTotalNs;
    const width = (1 + Math.min(1, share) * 4).toFixed(2);
    lines.push(`  ${edge.from} -> ${edge.to} [label=${quoteDot(`×${edge.calls}`)}, penwidth=${width}];`);
  }
  lines.push('}');
  return lines.join('\n') + '\n';
}

/**
 * Top-to-bottom unless the widest level would not fit a screen (~1400 px):
 * then left-to-right, which stacks siblings vertically (long model names and
 * wide fan-outs read better as rows than as a very wide strip).
 */
function autoRankdir(graph: CallGraph, maxLabelChars: number): 'TB' | 'LR' {
  const depthOf = new Map<string, number>();
  const widthPx = new Map<number, number>();
  for (const node of graph.nodes) {
    const depth = node.parentId === null ? 0 : (depthOf.get(node.parentId) ?? 0) + 1;
    depthOf.set(node.id, depth);
    const longest = Math.max(24, ...wrapName(node.name, maxLabelChars).map((line) => [...line].length));
    widthPx.set(depth, (widthPx.get(depth) ?? 0) + longest * 8 + 40);
  }
  return Math.max(0, ...widthPx.values()) > 1400 ? 'LR' : 'TB';
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

function nodeAttributes(node: CallGraphNode, graph: CallGraph, maxLabelChars: number, maxMetrics: number): string {
  const total = graph.rootTotalNs;
  const hottest = node.id === graph.hottestId;
  const fill = node.collapsed !== null ? '#eeeeee' : heatForShare(node.selfNs / total);
  const ink = textColorOn(fill);
  const rows: string[] = [];
  if (hottest) {
    rows.push(`<TR><TD BGCOLOR="${HIGHLIGHT_BORDER}"><FONT COLOR="#ffffff"><B>★ SLOWEST: most self time</B></FONT></TD></TR>`);
  }
  const stageName = node.mixedStages ? 'mixed stages' : node.stage === null ? 'no stage' : node.stageInherited ? `${node.stage} (parent's stage)` : node.stage;
  rows.push(`<TR><TD ALIGN="LEFT" BGCOLOR="${stageColor(node.stage)}"><FONT POINT-SIZE="9" COLOR="${textColorOn(stageColor(node.stage))}">${escapeDotHtml(stageName)}</FONT></TD></TR>`);
  for (const line of wrapName(node.name, maxLabelChars)) rows.push(`<TR><TD><FONT COLOR="${ink}"><B>${escapeDotHtml(line)}</B></FONT></TD></TR>`);
  rows.push(`<TR><TD><FONT COLOR="${ink}">self ${formatDurationNs(node.selfNs)} (${pct(node.selfNs, total)})</FONT></TD></TR>`);
  const errors = node.errors > 0 ? ` · ${node.errors} failed` : '';
  rows.push(`<TR><TD><FONT COLOR="${ink}" POINT-SIZE="10">total ${formatDurationNs(node.totalNs)} (${pct(node.totalNs, total)}) · ${node.calls} call${node.calls === 1 ? '' : 's'}${errors}</FONT></TD></TR>`);
  const metrics = orderMetrics(Object.keys(node.metrics));
  for (const key of metrics.slice(0, maxMetrics)) {
    rows.push(`<TR><TD><FONT COLOR="${ink}" POINT-SIZE="9">${escapeDotHtml(formatMetric(key, node.metrics[key]!))}</FONT></TD></TR>`);
  }
  if (metrics.length > maxMetrics) rows.push(`<TR><TD><FONT COLOR="${ink}" POINT-SIZE="9">+${metrics.length - maxMetrics} more metrics (tooltip)</FONT></TD></TR>`);
  const label = `<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="1">${rows.join('')}</TABLE>>`;
  const attributes = [`label=${label}`, `fillcolor=${quoteDot(fill)}`, `tooltip=${quoteDot(tooltip(node, graph))}`];
  if (hottest) attributes.push(`color=${quoteDot(HIGHLIGHT_BORDER)}`, 'penwidth=5');
  if (node.collapsed !== null) attributes.push('style="rounded,filled,dashed"');
  if (node.errors > 0 && !hottest) attributes.push('color="#d62728"', 'penwidth=2');
  return attributes.join(', ');
}

function tooltip(node: CallGraphNode, graph: CallGraph): string {
  const total = graph.rootTotalNs;
  const lines = [
    node.path.join(' → '),
    `stage: ${node.mixedStages ? 'mixed' : node.stage ?? 'none'}${node.stageInherited ? ' (inherited from the parent span)' : ''}`,
    `calls: ${node.calls}${node.errors > 0 ? ` (${node.errors} failed)` : ''}`,
    `self: ${formatDurationNs(node.selfNs)} (${pct(node.selfNs, total)} of run)`,
    `total: ${formatDurationNs(node.totalNs)} (${pct(node.totalNs, total)} of run)`,
  ];
  if (node.collapsed !== null) lines.push(`merged: ${node.collapsed.nodes} call sites, ${node.collapsed.calls} calls, each under ${pct(graph.collapse?.minShare ?? 0, 1)} of the run`);
  for (const target of node.targets) lines.push(`target: ${target}`);
  for (const key of orderMetrics(Object.keys(node.metrics))) lines.push(`${formatMetric(key, node.metrics[key]!)} (${metricMerge(key) === 'sum' ? 'sum' : metricMerge(key)} over calls)`);
  return lines.join('\n');
}

function legend(doc: RunDocument, graph: CallGraph): string {
  const total = graph.rootTotalNs;
  const hottest = graph.nodes.find((node) => node.id === graph.hottestId);
  const row = (html: string): string => `<TR><TD ALIGN="LEFT">${html}</TD></TR>`;
  const rows: string[] = [];
  const command = doc.command.length > 0 ? ` · ${escapeDotHtml(truncate(doc.command.join(' '), 80))}` : '';
  rows.push(row(`<FONT POINT-SIZE="15"><B>Call graph</B></FONT><FONT POINT-SIZE="11">  · preset ${escapeDotHtml(doc.preset ?? 'none')}${command} · run ${formatDurationNs(total)} · ${doc.spans.length} spans</FONT>`));
  if (hottest !== undefined) {
    rows.push(row(`<FONT COLOR="${HIGHLIGHT_BORDER}"><B>★ Slowest node (most SELF time = time spent in the node itself, not in its children): ${escapeDotHtml(truncate(hottest.name, 60))} — self ${formatDurationNs(hottest.selfNs)} (${pct(hottest.selfNs, total)} of run), ${hottest.calls} call${hottest.calls === 1 ? '' : 's'}</B></FONT>`));
  }
  const totals = stageTotals(doc);
  if (totals.length > 0) {
    // Shares of all self time (work), not of the run: concurrent spans would push a share of the run past 100 %.
    const workNs = Math.max(1, doc.spans.reduce((sum, span) => sum + span.selfNs, 0));
    const text = totals.map((entry, index) => {
      const item = `${entry.stage} ${formatDurationNs(entry.selfNs)} (${pct(entry.selfNs, workNs)})`;
      return index === 0 ? `<B>${item}</B>` : item;
    });
    rows.push(row(`<FONT POINT-SIZE="11">self time by stage (share of all self time): ${text.join(' · ')}</FONT>`));
  }
  const roots = graph.nodes.filter((node) => node.parentId === null);
  if (hottest !== undefined && hottest.parentId !== null && roots.length > 0) {
    const rootSelfNs = roots.reduce((sum, node) => sum + node.selfNs, 0);
    rows.push(row(`<FONT POINT-SIZE="10">not highlighted: the run's own time outside any traced call (self of ${escapeDotHtml(truncate(roots.map((node) => node.name).join(', '), 40))}) ${formatDurationNs(rootSelfNs)} (${pct(rootSelfNs, total)}): script code, or libraries no target covers</FONT>`));
  }
  // Swatches are coloured block glyphs in running text: table cells would be
  // stretched to the legend's full width by Graphviz.
  const heat = [0, 0.01, 0.05, 0.1, 0.2, HEAT_FULL_SHARE]
    .map((share) => `<FONT COLOR="${heatForShare(share)}">███</FONT> ${share === HEAT_FULL_SHARE ? '≥' : ''}${Math.round(share * 100)}%`)
    .join('   ');
  rows.push(row(`<FONT POINT-SIZE="11">fill = self time as share of the run:   ${heat}</FONT>`));
  const usedStages = new Set(graph.nodes.map((node) => node.stage ?? 'none'));
  const stages = STAGE_ORDER.filter((stage) => usedStages.has(stage))
    .map((stage) => `<FONT COLOR="${STAGE_COLORS[stage]}">███</FONT> ${stage === 'none' ? 'no stage' : stage}`)
    .join('   ');
  rows.push(row(`<FONT POINT-SIZE="11">top strip = stage:   ${stages}</FONT>`));
  rows.push(row(`<FONT POINT-SIZE="10">node = call site (same name path), times summed over its calls (concurrent calls can add up to more than the run) · edge = calls · thick edge = more time</FONT>`));
  if (graph.collapse !== null) {
    const { nodes, groups, calls, selfNs, minShare } = graph.collapse;
    rows.push(row(`<FONT POINT-SIZE="10">merged ${nodes} small call sites (${calls} calls, each under ${pct(minShare, 1)} of the run, self ${formatDurationNs(selfNs)} together) into ${groups} dashed "other" node${groups === 1 ? '' : 's'} to keep ≤ ${graph.options.maxNodes} nodes</FONT>`));
  }
  rows.push(row(`<FONT POINT-SIZE="9" COLOR="#555555">instrumentation overhead ${formatDurationNs(doc.overheadNs)} over ${doc.wrappedCalls} wrapped calls${doc.droppedSpans > 0 ? ` · ${doc.droppedSpans} spans dropped (buffer full)` : ''} · hover a node for its path, targets and metrics</FONT>`));
  return `<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="2" CELLPADDING="2">${rows.join('')}</TABLE>`;
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

function pct(part: number, whole: number): string {
  const share = whole > 0 ? (part / whole) * 100 : 0;
  return `${share < 10 ? share.toFixed(1) : share.toFixed(0)}%`;
}

function truncate(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}
