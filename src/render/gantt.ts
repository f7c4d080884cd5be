import type { RunDocument } from '../core/run-document.js';
import { probeAnnotation } from './probe-annotation.js';
import type { SpanRecord } from '../core/types.js';
import { asyncContextText, formatDurationNs } from './format.js';
import { STAGE_COLORS, STAGE_ORDER, stageColor, textColorOn } from './palette.js';
import { probeLanes } from './gantt-probe-lanes.js';
import { LanePacker } from './lane-packer.js';
import { hideShortSpans } from './min-duration.js';
import { buildTree, type TreeNode } from './span-tree.js';
import { threadKeyOf, threadLabelOf } from './span-thread.js';
import { effectiveStages, stageTotals } from './stage-totals.js';
import { escapeXml } from './svg-escape.js';
import { layoutFlow, swatchLabel, words, type FlowGroup, type FlowParagraph } from './text/flow.js';
import { fitText, FONT_STACK, middleFit, textWidth } from './text/measure.js';

/** Options of {@link renderGantt}. Every option is optional. */
export interface GanttOptions {
  /** Width of the picture in px. Default 1400. */
  widthPx?: number;
  /** Height of one lane in px. Default 18. */
  rowHeightPx?: number;
  /** Lanes drawn; deeper/more concurrent spans are counted in the footer. Default 80. */
  maxRows?: number;
  /** Bars drawn, lane by lane from the top; past this, the shortest bars of the lane that overflows and all lanes below are left out (and counted). Default 3000. */
  maxBars?: number;
  /** Title line. Default "Timeline · preset … · command …". */
  title?: string;
  /** Leave out spans shorter than this (with their subtrees), counted in the footer. Default 0. */
  minDurationNs?: number;
}

interface ResolvedGanttOptions {
  widthPx: number;
  rowHeightPx: number;
  maxRows: number;
  maxBars: number;
  title: string | undefined;
}

/** One bar: a span, the lane it sits in. */
export interface GanttBar {
  span: SpanRecord;
  row: number;
}

const MARGIN_PX = 16;
/**
 * A span that starts within 1 µs of the previous one's end is "after" it, not
 * concurrent: sequential awaits touch end-to-start, and rounding to whole ns
 * can make them overlap by a nanosecond.
 */
const TOUCH_TOLERANCE_NS = 1000;

/**
 * Lane assignment, nested like a flame chart laid out on real time: a span sits
 * one lane below its parent, and its children are packed into the lanes of the
 * parent's subtree: each child takes the first block of lanes (as tall as its
 * own subtree) that is free at its start. Sequential children (det → cls → rec)
 * share one lane; concurrent ones (parallel workers, Promise.all) get
 * separate lanes, so no two bars ever overlap. A child that ran in another
 * thread or process than its parent (a worker's or child process's root span)
 * gets lanes of its own for its whole subtree, shared with no sibling before or
 * after it: a lane never mixes two threads, as the Perfetto trace's tracks don't.
 */
export function assignLanes(doc: Pick<RunDocument, 'spans'>): { bars: GanttBar[]; rows: number } {
  const bars: GanttBar[] = [];
  // Relative layout first (row offsets inside the subtree), absolute rows after.
  // Both passes use explicit stacks: trees nest thousands of levels deep.
  interface Placed {
    node: TreeNode;
    height: number;
    children: { placed: Placed; offset: number }[];
  }
  const place = (node: TreeNode, placedOf: Map<TreeNode, Placed>): Placed => {
    const packer = new LanePacker();
    const children: Placed['children'] = [];
    let rows = 0;
    for (const [index, child] of node.children.entries()) {
      const placed = placedOf.get(child)!;
      placedOf.delete(child);
      const freeAtNs = child.span.startNs + TOUCH_TOLERANCE_NS;
      const ownLanes = threadKeyOf(child.span) !== threadKeyOf(node.span);
      // Another thread's subtree: new rows, busy for good (no later sibling reuses them).
      const endNs = ownLanes ? Infinity : child.span.startNs + Math.max(child.span.durationNs, 1);
      // The first row free at the child's start; a taller block also needs the rows below it free.
      // Another thread's subtree starts below every row used so far (it never shares rows);
      // else every start between here and a busy row of the block would contain that row too: go past it.
      let offset = ownLanes ? rows : packer.firstFree(freeAtNs);
      for (let blocked = ownLanes ? -1 : packer.firstBusyIn(offset + 1, offset + placed.height, freeAtNs); blocked >= 0;) {
        offset = packer.firstFreeFrom(blocked + 1, freeAtNs);
        blocked = packer.firstBusyIn(offset + 1, offset + placed.height, freeAtNs);
      }
      // The last child's rows are never asked about again (nothing to mark).
      if (index < node.children.length - 1) packer.occupyRows(offset, offset + placed.height, endNs);
      rows = Math.max(rows, offset + placed.height);
      children.push({ placed, offset });
    }
    return { node, height: 1 + rows, children };
  };
  const layout = (root: TreeNode): Placed => {
    const placedOf = new Map<TreeNode, Placed>();
    const stack: { node: TreeNode; expanded: boolean }[] = [{ node: root, expanded: false }];
    for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
      if (top.expanded) {
        placedOf.set(top.node, place(top.node, placedOf));
        continue;
      }
      stack.push({ node: top.node, expanded: true });
      for (const child of top.node.children) stack.push({ node: child, expanded: false });
    }
    return placedOf.get(root)!;
  };
  const emit = (top: Placed, topRow: number): void => {
    const stack: { placed: Placed; row: number }[] = [{ placed: top, row: topRow }];
    for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
      bars.push({ span: next.placed.node.span, row: next.row });
      const { children } = next.placed;
      for (let index = children.length - 1; index >= 0; index -= 1)
        stack.push({ placed: children[index]!.placed, row: next.row + 1 + children[index]!.offset });
    }
  };
  let row = 0;
  for (const root of buildTree(doc)) {
    const placed = layout(root);
    emit(placed, row);
    row += placed.height;
  }
  return { bars, rows: row };
}

/**
 * The run as a Gantt chart (SVG): one bar per span on a time axis, concurrent
 * spans in separate lanes (see {@link assignLanes}), coloured by stage from the
 * fixed palette, names on the bars that are wide enough, and a `<title>`
 * tooltip with name, stage, duration and probe values on every bar. Pure.
 *
 * @example
 * writeFileSync('timeline.svg', renderGantt(doc));
 */
export function renderGantt(fullDoc: RunDocument, options: GanttOptions = {}): string {
  const opts = resolve(options);
  const { doc, hidden } = hideShortSpans(fullDoc, options.minDurationNs ?? 0);
  const { bars, rows } = assignLanes(doc);
  // reduce, not Math.max(...spread): a spread of 100k+ arguments overflows the stack.
  const runNs = doc.spans.reduce((max, span) => Math.max(max, span.startNs + span.durationNs), Math.max(1, doc.durationNs));
  const originNs = doc.spans.reduce((min, span) => Math.min(min, span.startNs), 0);
  const spanNs = runNs - originNs;

  let visibleRows = Math.min(rows, opts.maxRows);
  const deepOmitted = bars.filter((bar) => bar.row >= visibleRows).length;
  // Bar budget: whole lanes from the top while they fit, then the longest bars
  // of the first lane that does not; nothing below it. A picture of the upper
  // levels reads better than one with random holes everywhere.
  const perRow: GanttBar[][] = Array.from({ length: visibleRows }, () => []);
  for (const bar of bars) if (bar.row < visibleRows) perRow[bar.row]!.push(bar);
  let drawn: GanttBar[] = [];
  let budget = opts.maxBars;
  let budgetOmitted = 0;
  let cutRow = -1;
  for (let row = 0; row < visibleRows; row += 1) {
    const list = perRow[row]!;
    if (cutRow >= 0) {
      budgetOmitted += list.length;
      continue;
    }
    if (list.length <= budget) {
      drawn.push(...list);
      budget -= list.length;
      continue;
    }
    const kept = [...list].sort((a, b) => b.span.durationNs - a.span.durationNs).slice(0, budget);
    drawn = drawn.concat(kept);
    budgetOmitted += list.length - kept.length;
    cutRow = row;
  }
  if (cutRow >= 0) visibleRows = cutRow + 1;

  const plotLeft = MARGIN_PX;
  const plotWidth = opts.widthPx - 2 * MARGIN_PX;
  const x = (ns: number): number => plotLeft + ((ns - originNs) / spanNs) * plotWidth;
  const rowPitch = opts.rowHeightPx + 2;

  const out: string[] = [];
  // Probe values per span (memory, CPU, disk, network …) go in the bar's tooltip.
  const probes = probeAnnotation(doc);
  const title = opts.title ?? defaultTitle(doc);
  // Header: title, legend of the stages present, notes, stage totals; every
  // piece placed after the measured width of the one before, wrapped at the edge.
  const used = new Set(doc.spans.map((span) => span.stage ?? 'none'));
  const paragraphs: FlowParagraph[] = [{ groups: words(title, { fontSize: 16, bold: true }) }];
  paragraphs.push({
    spaceBefore: 4,
    groups: [
      ...words('colour = stage: ', { fontSize: 11 }),
      ...STAGE_ORDER.filter((entry) => used.has(entry)).map((stage) =>
        swatchLabel(STAGE_COLORS[stage], stage === 'none' ? 'no stage' : stage, { fontSize: 11 }, { stroke: '#333333' }),
      ),
      ...words(
        `lanes: a span sits under its parent; concurrent spans${doc.spans.some((span) => threadKeyOf(span) !== '') ? ', and each worker thread or child process,' : ''} get their own lanes · pale = no stage of its own (parent's colour) · red outline = failed · hover a bar for details`,
        { fontSize: 11, fill: '#555555' },
      ),
    ],
  });
  // One walk for both the stage totals and the bars' inherited colours (100k+ spans).
  const inherited = effectiveStages(doc);
  const totals = stageTotals(doc, false, inherited);
  if (totals.length > 0) {
    // Shares of all self time (work): concurrent spans would push a share of the run past 100 %.
    const runNsForShare = Math.max(
      1,
      doc.spans.reduce((sum, span) => sum + span.selfNs, 0),
    );
    const groups: FlowGroup[] = words('self time by stage (share of all self time): ', { fontSize: 12 });
    totals.forEach((entry, index) => {
      const text = `${entry.stage} ${formatDurationNs(entry.selfNs)} (${((entry.selfNs / runNsForShare) * 100).toFixed(0)}%)${index < totals.length - 1 ? ' · ' : ''}`;
      groups.push({ parts: [{ kind: 'text', text, fontSize: 12, ...(index === 0 ? { bold: true } : {}) }] });
    });
    paragraphs.push({ groups });
  }
  const headerFlow = layoutFlow(paragraphs, plotLeft, MARGIN_PX - 4, plotWidth);
  const header = headerFlow.svg;
  const y = headerFlow.bottom;

  // Time axis with "nice" ticks (1, 2, 5 × 10^k).
  const axisY = y + 22;
  const tickNs = niceStep(spanNs / 10);
  const rowsTop = axisY + 8;
  const rowsBottom = rowsTop + visibleRows * rowPitch;
  const axis: string[] = [];
  axis.push(`<line x1="${plotLeft}" y1="${axisY}" x2="${plotLeft + plotWidth}" y2="${axisY}" stroke="#333" stroke-width="1"/>`);
  for (let tick = Math.ceil(originNs / tickNs) * tickNs; tick <= runNs + tickNs * 1e-9; tick += tickNs) {
    const tx = round(x(tick));
    axis.push(`<line x1="${tx}" y1="${axisY - 4}" x2="${tx}" y2="${rowsBottom}" stroke="#e3e3e3" stroke-width="1"/>`);
    axis.push(`<line x1="${tx}" y1="${axisY - 4}" x2="${tx}" y2="${axisY}" stroke="#333" stroke-width="1"/>`);
    const anchor = tx < plotLeft + 20 ? 'start' : tx > plotLeft + plotWidth - 20 ? 'end' : 'middle';
    axis.push(`<text x="${tx}" y="${axisY - 7}" font-size="10" text-anchor="${anchor}" fill="#333">${formatTick(tick, tickNs)}</text>`);
  }

  // Bars: ordered by row then start, so the file reads top to bottom.
  const barsSvg: string[] = [];
  drawn.sort((a, b) => a.row - b.row || a.span.startNs - b.span.startNs);
  for (const { span, row } of drawn) {
    const bx = x(span.startNs);
    const bw = Math.max(1, x(span.startNs + span.durationNs) - bx);
    const by = rowsTop + row * rowPitch;
    // A span without a stage is drawn in its ancestor's stage colour, lighter.
    const stage = span.stage ?? inherited.get(span.id) ?? null;
    const fill = stageColor(stage);
    const light = span.stage === null && stage !== null ? ' fill-opacity="0.6"' : '';
    const failed = span.status === 'error';
    const stroke = failed ? ' stroke="#d62728" stroke-width="2"' : ' stroke="#ffffff" stroke-width="0.5"';
    const dash = span.status === 'unfinished' ? ' stroke-dasharray="3,2" fill-opacity="0.6"' : '';
    const label = fitLabel(`${span.name} ${formatDurationNs(span.durationNs)}`, span.name, bw);
    barsSvg.push(
      `<g><title>${escapeXml(tooltip(span, probes))}</title>` +
        `<rect x="${round(bx)}" y="${by}" width="${round(bw)}" height="${opts.rowHeightPx}" rx="2" fill="${fill}"${light}${stroke}${dash}/>` +
        (label === ''
          ? ''
          : `<text x="${round(bx + 3)}" y="${by + opts.rowHeightPx - 5}" font-size="11" fill="${textColorOn(fill)}">${escapeXml(label)}</text>`) +
        '</g>',
    );
  }

  // Footer: what was left out, and the run's totals.
  const notes: string[] = [];
  if (deepOmitted > 0)
    notes.push(`${deepOmitted} span${deepOmitted === 1 ? '' : 's'} in lanes below lane ${opts.maxRows} not drawn (${rows} lanes in all; raise maxRows)`);
  if (budgetOmitted > 0)
    notes.push(
      `${budgetOmitted} span${budgetOmitted === 1 ? '' : 's'} not drawn (more than ${opts.maxBars} bars): the shortest of lane ${cutRow + 1} and all below it; raise maxBars`,
    );
  if (hidden > 0)
    notes.push(`${hidden} span${hidden === 1 ? '' : 's'} shorter than ${formatDurationNs(options.minDurationNs ?? 0)} not drawn (with their children)`);
  const asyncContext = asyncContextText(fullDoc);
  notes.push(
    `${fullDoc.spans.length} spans · run ${formatDurationNs(doc.durationNs)} · instrumentation overhead ${formatDurationNs(doc.overheadNs)} · ${doc.wrappedCalls} wrapped calls${asyncContext === undefined ? '' : ` · ${asyncContext}`}`,
  );
  // Probe lanes (CPU, RSS, heap, background samples) under the bars, on the same time axis.
  const lanes = probeLanes(doc, x, plotLeft, plotWidth, rowsBottom + 8);
  const footerFlow = layoutFlow(
    notes.map((note) => ({ groups: words(note, { fontSize: 11, fill: note.includes('not drawn') ? '#b00020' : '#555555' }) })),
    plotLeft,
    lanes.bottom - 4,
    plotWidth,
  );
  const footer = footerFlow.svg;
  const footY = footerFlow.bottom + 8;
  const heightPx = Math.ceil(footY + MARGIN_PX - 8); // whole pixels: no 429.5999999999999 in the file

  out.push(`<?xml version="1.0" encoding="UTF-8"?>`);
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${opts.widthPx}" height="${heightPx}" viewBox="0 0 ${opts.widthPx} ${heightPx}" font-family="${FONT_STACK}">`,
  );
  out.push(`<title>${escapeXml(title)}</title>`);
  out.push(`<rect width="100%" height="100%" fill="#ffffff"/>`);
  out.push(...header, ...axis, ...barsSvg, ...lanes.svg, ...footer);
  out.push('</svg>');
  return out.join('\n') + '\n';
}

function resolve(options: GanttOptions): ResolvedGanttOptions {
  const resolved: ResolvedGanttOptions = {
    widthPx: options.widthPx ?? 1400,
    rowHeightPx: options.rowHeightPx ?? 18,
    maxRows: options.maxRows ?? 80,
    maxBars: options.maxBars ?? 3000,
    title: options.title,
  };
  for (const key of ['widthPx', 'rowHeightPx', 'maxRows', 'maxBars'] as const) {
    if (!(Number.isInteger(resolved[key]) && resolved[key] > 0))
      throw new Error(`stagescope: Gantt option ${key} must be a positive integer, got ${String(resolved[key])}`);
  }
  if (resolved.widthPx < 200) throw new Error(`stagescope: Gantt option widthPx must be at least 200, got ${resolved.widthPx}`);
  return resolved;
}

function defaultTitle(doc: RunDocument): string {
  const command = doc.command.length > 0 ? ` · ${truncate(doc.command.join(' '), 90)}` : '';
  return `Timeline · preset ${doc.preset ?? 'none'}${command} · ${formatDurationNs(doc.durationNs)}`;
}

function tooltip(span: SpanRecord, probes: (span: SpanRecord) => string): string {
  const lines = [
    span.name,
    `stage: ${span.stage ?? 'none'}`,
    `duration: ${formatDurationNs(span.durationNs)} (self ${formatDurationNs(span.selfNs)})`,
    `start: +${formatDurationNs(span.startNs)}`,
  ];
  if (span.status !== 'ok') lines.push(`status: ${span.status}${span.error === null ? '' : ` (${span.error.name}: ${span.error.message})`}`);
  if (span.target !== null) lines.push(`target: ${span.target}`);
  const thread = threadLabelOf(span);
  if (thread !== '') lines.push(`ran in: ${thread}`);
  const probeText = probes(span);
  if (probeText !== '') lines.push(`probes: ${probeText}`);
  return lines.join('\n');
}

/**
 * The longest text that fits in `widthPx`: name with duration, the name; then,
 * when the name ends in a file name ("InferenceSession.run rec.onnx"), that
 * file name, without its extension, or cut in the middle keeping its end (where
 * model names differ: "ch_P…v4_rec_infer"); otherwise the name cut at the end
 * ("layout anal…"). Nothing on bars too narrow for 5 characters.
 */
export function fitLabel(full: string, name: string, widthPx: number): string {
  const roomPx = widthPx - 6;
  const fits = (text: string): boolean => textWidth(text, 11) <= roomPx;
  if (fits(full)) return full;
  if (fits(name)) return name;
  if (!fits('abcd…')) return '';
  const last = name.trim().split(/\s+/).pop() ?? '';
  if (/\.[A-Za-z0-9]{1,5}$/.test(last)) {
    const bare = last.replace(/\.[A-Za-z0-9]{1,5}$/, '');
    for (const candidate of [last, bare]) if (fits(candidate)) return candidate;
    return middleFit(bare, roomPx, 11);
  }
  return fitText(name, roomPx, 11);
}

function niceStep(rough: number): number {
  if (!(rough > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(rough));
  for (const factor of [1, 2, 5, 10]) if (factor * power >= rough) return factor * power;
  return 10 * power;
}

function formatTick(ns: number, stepNs: number): string {
  if (stepNs >= 1e9) return `${(ns / 1e9).toFixed(stepNs % 1e9 === 0 ? 0 : 1)} s`;
  if (stepNs >= 1e6) return `${(ns / 1e6).toFixed(0)} ms`;
  if (stepNs >= 1e3) return `${(ns / 1e3).toFixed(0)} µs`;
  return `${ns.toFixed(0)} ns`;
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

function truncate(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}
