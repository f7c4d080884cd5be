import { renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { BroadcastChannel, getEnvironmentData, isMainThread, threadId } from 'node:worker_threads';
import { nowNs } from '../core/clock.js';
import type { RunDocument } from '../core/run-document.js';
import type { Span } from '../core/span.js';
import type { Preset, PresetOptions } from '../presets/preset.js';
import { createPreset } from '../presets/registry.js';
import type { ReachBatch } from '../reach/foreign-run.js';
import { parseLink, REACH_DATA_KEY, REACH_ENV, type PortableOptions, type ReachLink } from '../reach/link.js';
import { toMonotonicNs } from '../reach/mono-clock.js';
import { setInheritedLink, threadIdPrefix } from '../reach/reach-session.js';
import { prefixRecords, shippedRecord } from '../reach/span-records.js';

const STARTED_KEY = Symbol.for('stagescope.linked-mode.v1');
type GlobalWithFlag = typeof globalThis & { [STARTED_KEY]?: boolean };

/** Spans buffered in a worker before a batch is posted anyway (a long top-level span with many children). */
const MAX_PENDING_SPANS = 256;

/**
 * The link this thread was started with: a Worker's environment data in a
 * worker thread, `STAGESCOPE_REACH` in a child process's main thread.
 */
export function inheritedLinkOfThisThread(): ReachLink | undefined {
  if (!isMainThread) return parseLink(getEnvironmentData(REACH_DATA_KEY));
  return parseLink(process.env[REACH_ENV]);
}

/**
 * If this thread is a linked worker or child process (started by a traced run),
 * trace it with the run's preset and send the spans to the run instead of
 * printing or writing anything; returns true. Otherwise returns false and does
 * nothing. A worker thread without a link (started by untraced code) is left
 * untraced, so no tree is ever printed from a worker. Called once per thread
 * (register/linked.ts, and process-mode before it starts a preset).
 */
export function startLinkedModeIfLinked(): boolean {
  const g = globalThis as GlobalWithFlag;
  if (g[STARTED_KEY] === true) return true;
  const link = inheritedLinkOfThisThread();
  if (link === undefined) return !isMainThread; // an unlinked worker: trace nothing, print nothing
  g[STARTED_KEY] = true;
  setInheritedLink(link);
  if (isMainThread) startLinkedChild(link);
  else startLinkedWorker(link);
  return true;
}

/** Preset options for a linked worker/child: the portable ones, printing nothing. */
export function linkedPresetOptions(portable: PortableOptions): PresetOptions {
  const options: PresetOptions & Record<string, unknown> = { ...portable.extra, quiet: true, output: { write: () => true } };
  if (portable.targets !== undefined) options.targets = portable.targets;
  if (portable.builtInTargets !== undefined) options.builtInTargets = portable.builtInTargets;
  if (portable.maxSpans !== undefined) options.maxSpans = portable.maxSpans;
  if (portable.maxOverheadPct !== undefined) options.maxOverheadPct = portable.maxOverheadPct ?? Infinity;
  if (portable.probes !== undefined) options.probes = portable.probes as PresetOptions['probes'];
  if (portable.models !== undefined) options.models = portable.models as PresetOptions['models'];
  return options;
}

function newPreset(link: ReachLink): Preset | Error {
  try {
    return createPreset(link.preset, linkedPresetOptions(link.options));
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
}

function startPreset(preset: Preset, link: ReachLink): Span {
  const script = process.argv[1];
  const basedir = script === undefined || !isMainThread ? undefined : path.dirname(path.resolve(script));
  for (const dir of [...link.basedirs].reverse()) preset.instrumenter.addBasedir(dir);
  return preset.start([link.label], basedir);
}

function failureBatch(link: ReachLink, error: Error, rootStartMonotonicNs: string): ReachBatch {
  return {
    ...batchHeader(link, threadIdPrefix() + 'root', rootStartMonotonicNs),
    spans: [],
    final: true,
    diagnostics: [{ code: 'SS_REACH_FAILED', message: `could not trace it: ${error.message}` }],
  };
}

function batchHeader(link: ReachLink, rootId: string, rootStartMonotonicNs: string): Omit<ReachBatch, 'spans' | 'final'> {
  return {
    format: 'stagescope.reach/1',
    linkId: link.linkId,
    kind: link.kind,
    pid: process.pid,
    threadId,
    label: link.label,
    rootId,
    parentSpanId: link.parentSpanId,
    rootStartMonotonicNs,
  };
}

/**
 * A worker posts its spans on the run's BroadcastChannel: each time a top-level
 * span ends (a pool task: before the worker can post the task's result, so the
 * spans are there when the main thread gets it), when many are pending, and at
 * exit. `worker.terminate()` runs no exit handler: what was posted is kept.
 */
function startLinkedWorker(link: ReachLink): void {
  const channel = new BroadcastChannel(link.channel);
  (channel as unknown as { unref?: () => void }).unref?.();
  const post = (batch: ReachBatch): void => {
    try {
      channel.postMessage(batch);
    } catch {
      // the run's thread is gone: nobody to tell
    }
  };
  const preset = newPreset(link);
  if (preset instanceof Error) {
    post(failureBatch(link, preset, toMonotonicNs(nowNs())));
    channel.close();
    return;
  }
  const prefix = threadIdPrefix();
  let pending: Span[] = [];
  let root: Span | null = null;
  let rootStart = '';
  const flush = (final: RunDocument | null): void => {
    if (root === null) return;
    const atNs = nowNs();
    const spans = pending.map((span) => shippedRecord(span, root!.startNs, prefix, atNs, threadId));
    pending = [];
    // Totals so far on every batch (cumulative): a terminated worker never sends a final one.
    // Until the final batch (the worker's own calibrated figure), overheadNs is the measured
    // part only (hooks, probes, this shipping, hooked calls' wrapper time): a lower bound.
    const batch: ReachBatch = {
      ...batchHeader(link, prefix + root.id, rootStart),
      spans,
      final: final !== null,
      overheadNs: Math.round(root.trace.overheadNs + root.trace.wrapperMeasuredNs),
      wrappedCalls: root.trace.wrappedCalls,
    };
    if (final !== null) {
      // Spans still open at exit, as the final document has them (unfinished).
      const open = final.spans
        .filter((span) => span.status === 'unfinished')
        .map((span) => ({ ...span, id: prefix + span.id, parentId: span.parentId === null ? null : prefix + span.parentId, threadId }));
      batch.spans.push(...open);
      batch.diagnostics = final.diagnostics;
      batch.overheadNs = final.overheadNs;
      batch.wrappedCalls = final.wrappedCalls;
      batch.droppedSpans = final.droppedSpans;
    }
    post(batch);
  };
  preset.tracer.onSpanEnd((span) => {
    pending.push(span);
    if (span.parent === root || span === root || pending.length >= MAX_PENDING_SPANS) flush(null);
  });
  root = startPreset(preset, link);
  rootStart = toMonotonicNs(root.startNs);
  process.on('exit', (code) => {
    const doc = preset.finish(code);
    flush(doc);
    channel.close();
  });
}

/**
 * A child process traces itself with the run's preset (its own workers and
 * children merged into it) and, when it ends, writes its spans to the run's
 * directory (atomically: a temp name, then rename) for the parent to merge. It
 * prints nothing and ignores the parent's output settings (STAGESCOPE_JSON …).
 */
function startLinkedChild(link: ReachLink): void {
  const preset = newPreset(link);
  const write = (batch: ReachBatch): void => {
    try {
      // Never create the directory: the parent made it before starting this child and
      // removes it when its run ends; a detached child that outlives the run writes nothing.
      const file = path.join(link.dir, `${link.linkId}.json`);
      const temp = `${file}.${process.pid}.tmp`;
      writeFileSync(temp, JSON.stringify(batch));
      renameSync(temp, file);
    } catch {
      try {
        rmSync(`${path.join(link.dir, link.linkId)}.json.${process.pid}.tmp`, { force: true });
      } catch {
        // nothing more to clean
      }
      // the parent's run is over (its directory is gone): nothing to report to
    }
  };
  if (preset instanceof Error) {
    write(failureBatch(link, preset, toMonotonicNs(nowNs())));
    return;
  }
  const root = startPreset(preset, link);
  const rootStart = toMonotonicNs(root.startNs);
  process.on('uncaughtExceptionMonitor', (error) => preset.setError(error));
  let written = false;
  const finish = (code: number): void => {
    if (written) return;
    written = true;
    const doc = preset.finish(code);
    const prefix = `p${process.pid}:`;
    const spans = prefixRecords(doc.spans, prefix).map((span) => (span.pid === undefined ? { ...span, pid: process.pid } : span));
    write({
      ...batchHeader(link, prefix + root.id, rootStart),
      spans,
      final: true,
      diagnostics: doc.diagnostics,
      overheadNs: doc.overheadNs,
      wrappedCalls: doc.wrappedCalls,
      droppedSpans: doc.droppedSpans,
    });
  };
  // No exported-main call and no signal handlers here: a child must behave exactly as under plain node.
  process.on('beforeExit', () => finish(typeof process.exitCode === 'number' ? process.exitCode : 0));
  process.on('exit', (code) => finish(code));
}
