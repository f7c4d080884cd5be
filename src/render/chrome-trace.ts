import type { RunDocument } from '../core/run-document.js';
import type { SpanRecord } from '../core/types.js';
import { MinHeap } from './min-heap.js';
import { threadKeyOf } from './span-thread.js';

/**
 * Chrome Trace Event Format ("JSON object format"), as read by Perfetto,
 * chrome://tracing and speedscope:
 * https://docs.google.com/document/d/1CvAClvFfyA5R-PhYUmn5OOQtYMH4h6I0nSsKchNAySU
 */
export interface ChromeTraceEvent {
  name: string;
  /** X = complete event, C = counter, M = metadata. */
  ph: 'X' | 'C' | 'M';
  pid: number;
  tid?: number;
  /** Microseconds (fractional allowed). */
  ts?: number;
  /** Microseconds, complete events only. */
  dur?: number;
  cat?: string;
  args?: Record<string, unknown>;
}

export interface ChromeTrace {
  traceEvents: ChromeTraceEvent[];
  displayTimeUnit: 'ms' | 'ns';
  otherData: Record<string, string | number | null>;
}

/** The one process id of a run's trace. */
export const TRACE_PID = 1;

/** Where each span goes: its track (tid) and the end used for the event. */
export interface TrackAssignment {
  tid: number;
  /** End in ns, clipped to the enclosing event on the track (see {@link assignTracks}). */
  endNs: number;
}

/**
 * Give every span a track (tid) so that the complete events on each track are
 * well nested — no two events on a track partially overlap, as the trace
 * format requires (viewers mis-draw or drop overlapping X events). A span goes
 * on its parent's track when it fits inside whatever is still open there;
 * otherwise (a concurrent sibling: Promise.all, worker pools) on the first
 * track whose open events are its ancestors or that is idle; otherwise on a
 * new track. A child that ends after an enclosing ancestor (clock reads ns
 * apart) is clipped to it; its args keep the true duration.
 */
export function assignTracks(doc: Pick<RunDocument, 'spans'>): Map<string, TrackAssignment> {
  const byId = new Map(doc.spans.map((span) => [span.id, span]));
  const depthOf = new Map<string, number>();
  const depth = (span: SpanRecord): number => {
    const known = depthOf.get(span.id);
    if (known !== undefined) return known;
    // Walk up until a known depth; a step bound (not a visited set) guards against parent cycles without allocating.
    let value = 0;
    let base = 0;
    for (let parent = parentOf(span, byId); parent !== undefined && value <= byId.size; parent = parentOf(parent, byId)) {
      value += 1;
      const cached = depthOf.get(parent.id);
      if (cached !== undefined) {
        base = cached;
        break;
      }
    }
    value += base;
    depthOf.set(span.id, value);
    return value;
  };
  // Start order; at equal starts, parents (shallower) first, then longer first.
  const ordered = [...doc.spans].sort((a, b) => a.startNs - b.startNs || depth(a) - depth(b) || b.durationNs - a.durationNs || Number(a.id) - Number(b.id));
  interface Open {
    span: SpanRecord;
    endNs: number;
  }
  const stacks: Open[][] = [];
  // Spans of another thread or process (workers, child processes) never share a track with this thread's.
  const laneOfTrack: string[] = [];
  const result = new Map<string, TrackAssignment>();
  const isAncestor = (candidate: SpanRecord, span: SpanRecord): boolean => {
    let steps = 0;
    for (let parent = parentOf(span, byId); parent !== undefined && steps <= byId.size; parent = parentOf(parent, byId)) {
      if (parent === candidate) return true;
      steps += 1;
    }
    return false;
  };
  // Tracks are closed lazily, when looked at: closing every track for every
  // span made a wide concurrent level (thousands of tracks) quadratic. Idle
  // tracks wait in a heap by id (the lowest is reused first); busy ones in a
  // heap by the end of their outermost open event, which is when they go idle.
  const idle = new MinHeap<number>();
  const idleSet = new Set<number>();
  const busy = new MinHeap<number>();
  const close = (tid: number, atNs: number): Open[] => {
    const stack = stacks[tid]!;
    while (stack.length > 0 && stack[stack.length - 1]!.endNs <= atNs) stack.pop();
    return stack;
  };
  for (const span of ordered) {
    const startNs = span.startNs;
    const endNs = span.startNs + span.durationNs;
    while (busy.size > 0 && busy.peekKey()! <= startNs) {
      const tid = busy.pop()!;
      // Stale entries (the track went idle and busy again since) are skipped.
      if (close(tid, startNs).length === 0 && !idleSet.has(tid)) {
        idle.push(tid, tid);
        idleSet.add(tid);
      }
    }
    const fits = (tid: number): boolean => {
      if (laneOfTrack[tid] !== threadKeyOf(span)) return false;
      const top = close(tid, startNs).at(-1);
      return top === undefined || isAncestor(top.span, span);
    };
    const parentTid = span.parentId === null ? undefined : result.get(span.parentId)?.tid;
    let tid = -1;
    if (parentTid !== undefined && fits(parentTid)) tid = parentTid;
    else {
      // The lowest track that is idle or whose open event is an ancestor (then it is an ancestor's track).
      const seen = new Set<number>();
      const steps = new Set<string>();
      for (let ancestor = parentOf(span, byId); ancestor !== undefined && !steps.has(ancestor.id); ancestor = parentOf(ancestor, byId)) {
        steps.add(ancestor.id);
        const ancestorTid = result.get(ancestor.id)?.tid;
        if (ancestorTid === undefined || seen.has(ancestorTid)) continue;
        seen.add(ancestorTid);
        if ((tid < 0 || ancestorTid < tid) && fits(ancestorTid)) tid = ancestorTid;
      }
      // Drop stale heap entries: tracks reused since they were idle.
      while (idle.size > 0 && (!idleSet.has(idle.peekKey()!) || close(idle.peekKey()!, startNs).length > 0)) {
        const stale = idle.pop()!;
        if (stacks[stale]!.length > 0) idleSet.delete(stale);
      }
      const lowestIdle = idle.peekKey();
      // An idle track of another thread or process is not this span's (a new track then).
      if (lowestIdle !== undefined && (tid < 0 || lowestIdle < tid) && laneOfTrack[lowestIdle] === threadKeyOf(span)) tid = lowestIdle;
    }
    if (tid < 0) {
      tid = stacks.length;
      stacks.push([]);
      laneOfTrack.push(threadKeyOf(span));
    }
    const stack = stacks[tid]!;
    const top = stack[stack.length - 1];
    const clippedEndNs = top === undefined ? endNs : Math.min(endNs, top.endNs);
    if (stack.length === 0) {
      // The track leaves the idle set and goes idle again when this event ends.
      idleSet.delete(tid);
      busy.push(clippedEndNs, tid);
    }
    stack.push({ span, endNs: clippedEndNs });
    result.set(span.id, { tid, endNs: clippedEndNs });
  }
  return result;
}

function parentOf(span: SpanRecord, byId: ReadonlyMap<string, SpanRecord>): SpanRecord | undefined {
  return span.parentId === null ? undefined : byId.get(span.parentId);
}

/** ns → µs, exact to the ns (µs with three decimals). */
function us(ns: number): number {
  return Math.round(ns) / 1000;
}

/**
 * The run as a Chrome/Perfetto trace: one complete ('X') event per span with
 * stage, target, status, attributes and metrics in `args`, tracks (tids) that
 * keep concurrent spans apart ({@link assignTracks}), thread and process names
 * ('M'), and the background samples (`doc.samples`) as counter ('C') tracks.
 * Pure; `JSON.stringify` it, or use {@link renderChromeTraceJson}.
 *
 * @example
 * writeFileSync('run.trace.json', renderChromeTraceJson(doc)); // open in ui.perfetto.dev or speedscope
 */
export function renderChromeTrace(doc: RunDocument): ChromeTrace {
  const tracks = assignTracks(doc);
  const events: ChromeTraceEvent[] = [];
  const complete: ChromeTraceEvent[] = [];
  const firstOnTrack = new Map<number, SpanRecord>();
  for (const span of doc.spans) {
    const track = tracks.get(span.id)!;
    const known = firstOnTrack.get(track.tid);
    if (known === undefined || span.startNs < known.startNs) firstOnTrack.set(track.tid, span);
    const args: Record<string, unknown> = { stage: span.stage, target: span.target, status: span.status, selfUs: us(span.selfNs) };
    if (span.error !== null) args.error = `${span.error.name}: ${span.error.message}`;
    // Where a merged worker's or child's span ran (its track says so too; a selected slice shows these).
    if (span.threadId !== undefined) args.threadId = span.threadId;
    if (span.pid !== undefined) args.pid = span.pid;
    if (track.endNs !== span.startNs + span.durationNs) args.durationUs = us(span.durationNs);
    if (Object.keys(span.attributes).length > 0) args.attributes = span.attributes;
    if (Object.keys(span.metrics).length > 0) args.metrics = span.metrics;
    // Trace timestamps must not be negative; the run starts at 0.
    const startNs = Math.max(0, span.startNs);
    complete.push({
      name: span.name,
      cat: span.stage ?? 'span',
      ph: 'X',
      pid: TRACE_PID,
      tid: track.tid + 1,
      ts: us(startNs),
      dur: us(Math.max(0, track.endNs - startNs)),
      args,
    });
  }
  complete.sort((a, b) => a.ts! - b.ts! || b.dur! - a.dur! || a.tid! - b.tid!);

  const label = `stagescope${doc.preset === null ? '' : ` ${doc.preset}`}${doc.command.length > 0 ? `: ${doc.command.join(' ')}` : ''}`;
  events.push({ name: 'process_name', ph: 'M', pid: TRACE_PID, tid: 0, args: { name: label } });
  for (const [tid, span] of [...firstOnTrack].sort((a, b) => a[0] - b[0])) {
    const where =
      span.pid !== undefined
        ? `process ${span.pid}${span.threadId ? ` worker ${span.threadId}` : ''}: `
        : span.threadId !== undefined
          ? `worker ${span.threadId}: `
          : '';
    const name = tid === 0 ? `main (${span.name})` : where !== '' ? `${where}${span.name}` : `concurrent ${tid}: ${span.name}`;
    events.push({ name: 'thread_name', ph: 'M', pid: TRACE_PID, tid: tid + 1, args: { name } });
    events.push({ name: 'thread_sort_index', ph: 'M', pid: TRACE_PID, tid: tid + 1, args: { sort_index: tid } });
  }
  // A loop, not push(...complete): a spread of a million arguments overflows the stack.
  for (const event of complete) events.push(event);
  for (const series of doc.samples ?? []) {
    for (const [atNs, value] of series.points) {
      if (!Number.isFinite(atNs) || !Number.isFinite(value)) continue;
      events.push({
        name: series.unit === '' ? series.name : `${series.name} (${series.unit})`,
        ph: 'C',
        pid: TRACE_PID,
        ts: us(Math.max(0, atNs)),
        args: { value },
      });
    }
  }
  return {
    traceEvents: events,
    displayTimeUnit: 'ms',
    otherData: {
      format: doc.format,
      preset: doc.preset,
      command: doc.command.join(' '),
      startedAt: doc.startedAt,
      durationNs: doc.durationNs,
      overheadNs: doc.overheadNs,
      wrappedCalls: doc.wrappedCalls,
    },
  };
}

/** {@link renderChromeTrace} as JSON text (one event per line: diffable golden files, still one JSON value). */
export function renderChromeTraceJson(doc: RunDocument): string {
  const trace = renderChromeTrace(doc);
  const events = trace.traceEvents.map((event) => `  ${JSON.stringify(event)}`).join(',\n');
  return `{"displayTimeUnit":${JSON.stringify(trace.displayTimeUnit)},"otherData":${JSON.stringify(trace.otherData)},"traceEvents":[\n${events}\n]}\n`;
}
