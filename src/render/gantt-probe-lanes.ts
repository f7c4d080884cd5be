import type { RunDocument } from '../core/run-document.js';
import type { SpanRecord } from '../core/types.js';
import { formatBytes, formatDurationNs } from './format.js';
import { escapeXml } from './svg-escape.js';
import { layoutFlow, words } from './text/flow.js';

const LANE_HEIGHT_PX = 36;
const CPU_MIN_SPAN_NS = 20e6;
const LABEL_GAP_PX = 2;

interface Lane {
  label: string;
  /** Bars: [startNs, endNs, value]; or a line: [atNs, value] points. */
  bars?: [number, number, number][];
  points?: [number, number][];
  color: string;
  format: (value: number) => string;
  /** Values can be negative (a change): bars go up or down from a middle line. */
  signed?: boolean;
}

/**
 * Probe values as lanes under the Gantt bars (HiQ's memory Gantt): CPU use,
 * RSS peak and heap change of each top-level span (children of a root; they
 * tile the run), and every background sample series (system memory, event
 * loop delay) as a line. Nothing when the run had no probes.
 */
export function probeLanes(doc: RunDocument, x: (ns: number) => number, left: number, width: number, top: number): { svg: string[]; bottom: number } {
  const lanes: Lane[] = [];
  const ids = new Set(doc.spans.map((span) => span.id));
  const rootIds = new Set(doc.spans.filter((span) => span.parentId === null || !ids.has(span.parentId)).map((span) => span.id));
  const topLevel = doc.spans.filter((span) => span.parentId !== null && rootIds.has(span.parentId));
  const segments = (metric: (span: SpanRecord) => number | undefined): [number, number, number][] =>
    topLevel.flatMap((span) => {
      const value = metric(span);
      return value === undefined || !Number.isFinite(value) ? [] : [[span.startNs, span.startNs + span.durationNs, value] as [number, number, number]];
    });
  // CPU time comes in scheduler ticks (1–4 ms): a share over a shorter span is noise.
  const cpu = segments((span) =>
    span.metrics.cpuUserNs === undefined || span.durationNs < CPU_MIN_SPAN_NS
      ? undefined
      : ((span.metrics.cpuUserNs + (span.metrics.cpuSystemNs ?? 0)) / span.durationNs) * 100,
  );
  if (cpu.length > 0)
    lanes.push({
      label: 'CPU (user + system) of each top-level span ≥ 20 ms, % of one core',
      bars: cpu,
      color: '#e15759',
      format: (value) => `${value.toFixed(0)}%`,
    });
  const rss = segments((span) => span.metrics.rssPeakBytes);
  if (rss.length > 0) lanes.push({ label: 'RSS peak during each top-level span', bars: rss, color: '#4e79a7', format: formatBytes });
  const heap = segments((span) => span.metrics.heapUsedDeltaBytes);
  if (heap.length > 0)
    lanes.push({
      label: 'JS heap change over each top-level span',
      bars: heap,
      color: '#b07aa1',
      format: (value) => `${value >= 0 ? '+' : ''}${formatBytes(value)}`,
      signed: true,
    });
  // A series that stayed at 0 (no network traffic, no disk reads) is one line, not an empty lane.
  const flat: string[] = [];
  for (const series of doc.samples ?? []) {
    const points = series.points.filter(([atNs, value]) => Number.isFinite(atNs) && Number.isFinite(value));
    if (points.length === 0) continue;
    if (points.every(([, value]) => value === 0)) {
      flat.push(sampleLabel(series.name));
      continue;
    }
    lanes.push({ label: `${sampleLabel(series.name)} (background samples)`, points, color: '#59a14f', format: sampleFormat(series) });
  }
  const svg: string[] = [];
  let y = top;
  for (const lane of lanes) {
    const values = lane.bars?.map((bar) => bar[2]) ?? lane.points?.map((point) => point[1]) ?? [];
    // reduce, not Math.max(...values): a run can have a million top-level spans.
    const max = values.reduce((best, value) => Math.max(best, value), 0);
    const min = values.reduce((best, value) => Math.min(best, value), 0);
    const scaleMax = lane.signed === true ? Math.max(Math.abs(max), Math.abs(min), 1e-9) : Math.max(max, 1e-9);
    const extreme = lane.signed === true ? (Math.abs(min) > max ? min : max) : max;
    const heading = layoutFlow(
      [{ groups: words(`${lane.label} · ${lane.signed === true ? 'largest' : 'max'} ${lane.format(extreme)}`, { fontSize: 10, fill: '#444444' }) }],
      left,
      y,
      width,
    );
    svg.push(...heading.svg);
    const laneTop = heading.bottom + LABEL_GAP_PX;
    const baseline = lane.signed === true ? laneTop + LANE_HEIGHT_PX / 2 : laneTop + LANE_HEIGHT_PX;
    const half = lane.signed === true ? LANE_HEIGHT_PX / 2 : LANE_HEIGHT_PX;
    svg.push(`<rect x="${round(left)}" y="${round(laneTop)}" width="${round(width)}" height="${LANE_HEIGHT_PX}" fill="#f7f7f7"/>`);
    svg.push(`<line x1="${round(left)}" y1="${round(baseline)}" x2="${round(left + width)}" y2="${round(baseline)}" stroke="#999999" stroke-width="0.5"/>`);
    for (const [startNs, endNs, value] of bucketBars(lane.bars ?? [], x, width)) {
      const h = (Math.abs(value) / scaleMax) * half;
      const bx = x(startNs);
      const bw = Math.max(1, x(endNs) - bx);
      const by = value >= 0 ? baseline - h : baseline;
      svg.push(
        `<rect x="${round(bx)}" y="${round(by)}" width="${round(bw)}" height="${round(h)}" fill="${lane.color}" fill-opacity="0.75"><title>${escapeXml(lane.format(value))}</title></rect>`,
      );
    }
    if (lane.points !== undefined) {
      const path = lane.points
        .map(([atNs, value], index) => `${index === 0 ? 'M' : 'L'}${round(x(atNs))},${round(baseline - (value / scaleMax) * half)}`)
        .join(' ');
      svg.push(`<path d="${path}" fill="none" stroke="${lane.color}" stroke-width="1.5"/>`);
    }
    y = laneTop + LANE_HEIGHT_PX + 6;
  }
  if (flat.length > 0) {
    const note = layoutFlow([{ groups: words(`at 0 all run (no lane drawn): ${flat.join(', ')}`, { fontSize: 10, fill: '#444444' }) }], left, y, width);
    svg.push(...note.svg);
    y = note.bottom + 6;
  }
  return { svg, bottom: y };
}

/** Readable names for the probes' series (the run document keeps the exact keys). */
const SAMPLE_LABELS: Record<string, string> = {
  'process.rssBytes': 'process RSS',
  'process.heapUsedBytes': 'JS heap used',
  'system.memoryUsedBytes': 'system memory used',
  'system.cpuLoadPercent': 'system CPU load (all cores)',
  'system.diskReadBytesPerSec': 'disk read',
  'system.diskWriteBytesPerSec': 'disk write',
  'system.netReceivedBytesPerSec': 'network received',
  'system.netSentBytesPerSec': 'network sent',
  'eventLoop.delayP99Ns': 'event-loop delay p99',
  'eventLoop.delayMaxNs': 'event-loop delay max',
};

/** The label a lane shows for a series: a readable name for the known ones, else the series' own name. */
function sampleLabel(name: string): string {
  const known = SAMPLE_LABELS[name];
  if (known !== undefined) return known;
  const gpu = /^gpu(\d+)\.(utilizationPercent|memoryUsedBytes)$/.exec(name);
  if (gpu !== null) return `GPU ${gpu[1]!} ${gpu[2] === 'utilizationPercent' ? 'utilization' : 'memory used'}`;
  return name;
}

/** How a series' values read: sizes and rates in KiB/MiB, times in ms, percentages whole. */
function sampleFormat(series: { name: string; unit: string }): (value: number) => string {
  if (series.unit === 'bytes/s' || /BytesPerSec$/.test(series.name)) return (value) => `${formatBytes(value)}/s`;
  if (series.unit === 'bytes' || /Bytes$/.test(series.name)) return formatBytes;
  if (series.unit === 'ns' || /Ns$/.test(series.name)) return formatDurationNs;
  if (series.unit === '%' || /Percent$/.test(series.name)) return (value) => `${value.toFixed(0)}%`;
  return (value) => `${+value.toPrecision(4)}${series.unit === '' ? '' : ` ${series.unit}`}`;
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

/**
 * At most about one bar per pixel column: past twice as many bars as pixels,
 * bars are merged per column, keeping the value farthest from zero (a peak is
 * what the lane is read for). Keeps a million-span run's picture small.
 */
function bucketBars(bars: readonly [number, number, number][], x: (ns: number) => number, width: number): [number, number, number][] {
  if (bars.length <= 2 * width) return [...bars];
  const columns = new Map<number, [number, number, number]>();
  for (const [startNs, endNs, value] of bars) {
    const column = Math.floor(x(startNs));
    const known = columns.get(column);
    if (known === undefined) columns.set(column, [startNs, endNs, value]);
    else {
      known[1] = Math.max(known[1], endNs);
      if (Math.abs(value) > Math.abs(known[2])) known[2] = value;
    }
  }
  return [...columns.values()];
}
