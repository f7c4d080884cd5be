import type { RunDocument } from '../core/run-document.js';
import type { SpanRecord } from '../core/types.js';
import { formatBytes, formatDurationNs } from './format.js';

/** Spans shorter than this do not show `main` CPU: its source has scheduler-tick resolution (1–4 ms). */
const MAIN_THREAD_MIN_NS = 20e6;

/**
 * The probe values of one span as a compact single line for the text tree, e.g.
 *
 *   heap +12.3 MiB  ext +4.0 MiB  rss +20.1 MiB  cpu 98% (main 97%)  io w 4.0 KiB  net ↑1.2 KiB ↓3.0 KiB  loop blocked 95%  gc 2× 1.3 ms
 *
 * Returns a function for `renderTextTree(doc, { annotate })`. Memory, CPU,
 * disk, loop and GC values are deltas over the span's interval (inclusive of
 * its children by nature); network bytes are stored per span as "self" (the
 * span that opened the socket or request) and summed over the subtree here,
 * so every column reads inclusively. Values too small to matter are left out
 * (heap/external < 1 KiB, RSS < 64 KiB, zero I/O) to keep lines short. Pure.
 */
export function probeAnnotation(doc: RunDocument): (span: SpanRecord) => string {
  const inclusiveNet = inclusiveNetwork(doc);
  return (span) => {
    const m = span.metrics;
    const parts: string[] = [];
    const delta = (label: string, value: number | undefined, minBytes: number): void => {
      if (value !== undefined && Math.abs(value) >= minBytes) parts.push(`${label} ${value >= 0 ? '+' : ''}${formatBytes(value)}`);
    };
    delta('heap', m.heapUsedDeltaBytes, 1024);
    delta('ext', m.externalDeltaBytes, 1024);
    delta('rss', m.rssDeltaBytes, 64 * 1024);
    if (m.rssPeakBytes !== undefined) parts.push(`peak ${formatBytes(m.rssPeakBytes)}`);
    if (m.cpuUserNs !== undefined && span.durationNs > 0) {
      let text = `cpu ${percent((m.cpuUserNs + (m.cpuSystemNs ?? 0)) / span.durationNs)}`;
      if (m.cpuMainThreadNs !== undefined && span.durationNs >= MAIN_THREAD_MIN_NS) text += ` (main ${percent(m.cpuMainThreadNs / span.durationNs)})`;
      parts.push(text);
    }
    const readWrite = (label: string, readBytes: number | undefined, writeBytes: number | undefined): void => {
      const out: string[] = [];
      if (readBytes !== undefined && readBytes > 0) out.push(`r ${formatBytes(readBytes)}`);
      if (writeBytes !== undefined && writeBytes > 0) out.push(`w ${formatBytes(writeBytes)}`);
      if (out.length > 0) parts.push(`${label} ${out.join(' ')}`);
    };
    readWrite('io', m.syscallReadBytes, m.syscallWriteBytes);
    readWrite('disk', m.diskReadBytes, m.diskWriteBytes);
    const net = inclusiveNet.get(span.id);
    if (net !== undefined && (net[0] > 0 || net[1] > 0)) parts.push(`net ↑${formatBytes(net[0])} ↓${formatBytes(net[1])}`);
    if (m.loopUtilizationRatio !== undefined) parts.push(`loop blocked ${percent(m.loopUtilizationRatio)}`);
    if (m.gcCount !== undefined && m.gcCount > 0) parts.push(`gc ${m.gcCount}× ${formatDurationNs(m.gcPauseNs ?? 0)}`);
    return parts.join('  ');
  };
}

function percent(ratio: number): string {
  return `${Math.round(ratio * 100)}%`;
}

/** [sent, received] bytes per span id, summed over each span's subtree. */
function inclusiveNetwork(doc: RunDocument): Map<string, [number, number]> {
  const totals = new Map<string, [number, number]>();
  const byId = new Map(doc.spans.map((span) => [span.id, span]));
  for (const span of doc.spans) {
    const sent = span.metrics.netSentBytes ?? 0;
    const received = span.metrics.netReceivedBytes ?? 0;
    if (sent === 0 && received === 0) continue;
    // walk up: each ancestor includes this span's own bytes (depth is small; cycles impossible by construction, but bounded anyway)
    let current: SpanRecord | undefined = span;
    for (let depth = 0; current !== undefined && depth < 10_000; depth++) {
      const total = totals.get(current.id) ?? [0, 0];
      total[0] += sent;
      total[1] += received;
      totals.set(current.id, total);
      current = current.parentId === null ? undefined : byId.get(current.parentId);
    }
  }
  return totals;
}
