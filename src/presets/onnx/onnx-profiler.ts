import { mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { nowNs } from '../../core/clock.js';
import { suppressTracing } from '../../core/context.js';
import { reportDiagnostic } from '../../core/diagnostics.js';
import { guarded } from '../../core/guarded.js';
import { Span } from '../../core/span.js';
import type { Tracer } from '../../core/tracer.js';
import { parseOnnxProfile } from './onnx-profile.js';
import { formatOpShares, placeProfileRuns } from './onnx-profile-placement.js';

/** Target id stored on kernel spans (they come from the profiler file, not from a wrapped call). */
export const KERNEL_TARGET = 'onnxruntime-node#profiler';

interface ProfiledSession {
  /** `<dir>/session-3`: onnxruntime appends `_<date>.json`. */
  prefix: string;
  label: string;
  session: WeakRef<object> | null;
  /** Traced runs in call order; `failed`: the call rejected. */
  runs: Array<{ span: Span; failed: boolean }>;
  collected: boolean;
}

/**
 * Op-level drill-down for onnxruntime-node: turns on onnxruntime's own profiler
 * for each session created while it is active (a copy of the session options
 * with `enableProfiling` and a `profileFilePrefix` in a private temp folder),
 * and when the session is released or the run ends, ends profiling, reads the
 * file, adds one child span per kernel to each traced `run` span, and deletes
 * the file. Sessions whose options already enable profiling are the user's:
 * left alone, their file too.
 *
 * The hooks in onnx-hooks.ts reach it through their preset's hook scope
 * (`ONNX_STATE.profiler`); presets own its lifetime (OnnxLatency with `ops: true`).
 */
export class OnnxProfiler {
  readonly #tracer: Tracer;
  #dir: string | null = null;
  #next = 1;
  readonly #sessions: ProfiledSession[] = [];
  readonly #bySession = new WeakMap<object, ProfiledSession>();
  /** Sessions whose profile is not collected yet, held strongly (see adoptSession). */
  readonly #held = new Set<object>();
  readonly #byPrefix = new Map<string, ProfiledSession>();

  constructor(tracer: Tracer) {
    this.#tracer = tracer;
  }

  /** The folder profiles are written to (created on first use). */
  get directory(): string {
    this.#dir ??= mkdtempSync(path.join(os.tmpdir(), 'stagescope-onnx-'));
    return this.#dir;
  }

  /**
   * Arguments for `InferenceSession.create(...)` with profiling turned on in a
   * copy of the options, or undefined to call with the user's own arguments
   * (profiling already on, or arguments onnxruntime will reject anyway: it must
   * reject them with its own error). Overloads: `(path | Uint8Array, options?)`,
   * `(ArrayBuffer, options?)`, `(ArrayBuffer, byteOffset, byteLength?, options?)`.
   */
  createArgs(args: readonly unknown[], label: string): { args: unknown[]; prefix: string } | undefined {
    const [source, arg1, arg2, arg3] = args;
    let index: number;
    const copy = args.slice();
    if (typeof source === 'string' || source instanceof Uint8Array) {
      index = 1;
    } else if (source instanceof ArrayBuffer || (typeof SharedArrayBuffer !== 'undefined' && source instanceof SharedArrayBuffer)) {
      if (typeof arg1 !== 'number') {
        index = 1;
      } else if (typeof arg2 === 'number') {
        index = 3;
      } else if (arg2 === undefined && Number.isSafeInteger(arg1) && arg1 >= 0 && arg1 < source.byteLength) {
        // Options come after byteLength; spell out the default byteLength it implies.
        copy[2] = source.byteLength - arg1;
        index = 3;
      } else {
        return undefined;
      }
    } else {
      return undefined;
    }
    const given = index === 1 ? arg1 : arg3;
    if (given !== undefined && (typeof given !== 'object' || given === null)) return undefined;
    const options = (given ?? {}) as Record<string, unknown>;
    if (options.enableProfiling === true) return undefined; // the user's own profiling
    const prefix = path.join(this.directory, `session-${this.#next++}`);
    copy[index] = { ...options, enableProfiling: true, profileFilePrefix: prefix };
    const entry: ProfiledSession = { prefix, label, session: null, runs: [], collected: false };
    this.#byPrefix.set(prefix, entry);
    return { args: copy, prefix };
  }

  /** The session `InferenceSession.create` returned for a call prepared by createArgs. */
  adoptSession(session: object, prefix: string): void {
    const entry = this.#byPrefix.get(prefix);
    if (entry === undefined) return;
    entry.session = new WeakRef(session);
    // Held until its profile is collected: onnxruntime flushes a profile from a
    // collected session's native finalizer, which runs after the garbage
    // collection, so a session dropped by the app before the run ends left a
    // truncated file to read. Profiling is opt-in (--onnx-ops): keeping a
    // session a little longer is the price of its kernels.
    this.#held.add(session);
    this.#bySession.set(session, entry);
    this.#sessions.push(entry);
  }

  /** Forget a create that failed: no session, no profile. */
  dropPrefix(prefix: string): void {
    this.#byPrefix.delete(prefix);
  }

  isProfiled(session: unknown): boolean {
    return typeof session === 'object' && session !== null && this.#bySession.has(session);
  }

  /** A traced `run` of a profiled session ended (in call order); `failed` if it rejected. */
  addRun(session: unknown, span: Span, failed = false): void {
    if (typeof session !== 'object' || session === null) return;
    const entry = this.#bySession.get(session);
    if (entry === undefined) return;
    // Its kernels and op shares are added when the profile is collected, after the
    // span ended: the recorder must keep this handle (see Span.retain).
    span.retain = true;
    entry.runs.push({ span, failed });
  }

  /** End profiling of one session (before `release()`), merge its kernels, delete its file. */
  collect(session: unknown): void {
    if (typeof session !== 'object' || session === null) return;
    const entry = this.#bySession.get(session);
    if (entry !== undefined) this.#collect(entry, session);
  }

  /** At the end of the run: every session not yet collected, live or garbage-collected. Then remove the folder. */
  collectAll(): void {
    for (const entry of this.#sessions) {
      if (!entry.collected) this.#collect(entry, entry.session?.deref());
    }
    const dir = this.#dir;
    if (dir !== null) {
      guarded('SS_ONNX_PROFILE_CLEANUP', `could not remove onnxruntime's profile folder ${dir}`, () => rmSync(dir, { recursive: true, force: true }));
      this.#dir = null;
    }
  }

  #collect(entry: ProfiledSession, session: object | undefined): void {
    entry.collected = true;
    if (session !== undefined) this.#held.delete(session);
    const beganNs = nowNs();
    guarded('SS_ONNX_PROFILE_FAILED', `could not read onnxruntime's profile for ${entry.label}`, () => this.#read(entry, session));
    const cost = nowNs() - beganNs;
    const trace = entry.runs[0]?.span.trace ?? this.#tracer.ambientRoot?.trace;
    if (trace !== undefined) trace.overheadNs += cost;
  }

  /** End profiling a session, read its profile file (then remove it) and merge it into the traced runs. */
  #read(entry: ProfiledSession, session: object | undefined): void {
    if (session !== undefined) {
      // Synchronous: onnxruntime writes the whole file before returning. A
      // session that was garbage-collected wrote it from its destructor.
      suppressTracing(() => (session as { endProfiling?: () => void }).endProfiling?.());
    }
    const file = this.#findFile(entry.prefix);
    if (file === undefined) {
      reportDiagnostic(
        'SS_ONNX_PROFILE_MISSING',
        `onnxruntime wrote no profile for ${entry.label} (expected ${entry.prefix}_*.json); no op-level spans for it`,
      );
      return;
    }
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } finally {
      unlinkSync(file);
    }
    this.#merge(entry, parseOnnxProfile(text));
  }

  #findFile(prefix: string): string | undefined {
    const base = `${path.basename(prefix)}_`;
    const name = readdirSync(path.dirname(prefix)).find((file) => file.startsWith(base) && file.endsWith('.json'));
    return name === undefined ? undefined : path.join(path.dirname(prefix), name);
  }

  #merge(entry: ProfiledSession, runs: ReturnType<typeof parseOnnxProfile>): void {
    // A run onnxruntime rejected before executing (bad input rank, missing
    // feed) leaves no model_run event; one that failed inside the graph may.
    const ended = entry.runs.filter((run) => run.span.endNs >= 0);
    const succeeded = ended.filter((run) => !run.failed);
    const spans = (runs.length === succeeded.length ? succeeded : ended).map((run) => run.span);
    if (runs.length !== spans.length) {
      reportDiagnostic(
        'SS_ONNX_PROFILE_MISMATCH',
        `onnxruntime profiled ${runs.length} runs of ${entry.label}, stagescope traced ${spans.length}; ` +
          'op-level spans left out for this session (were some runs made while the run target was disabled?)',
      );
      return;
    }
    const placed = placeProfileRuns(runs, spans);
    const recorder = this.#tracer.recorder;
    let runsLeftOut = 0;
    placed.forEach((run, index) => {
      const parent = spans[index]!;
      const runDurationNs = parent.endNs - parent.startNs;
      // The recorder is a ring buffer: kernels added now would push out the
      // pipeline's own spans. Only a run whose kernels all fit gets them; every
      // run keeps its aggregate.
      const fits = recorder.size + run.kernels.length <= recorder.maxSpans;
      if (!fits) {
        runsLeftOut++;
        parent.setAttribute('kernelsLeftOut', true);
      }
      for (const { kernel, startNs, endNs, clamped } of fits ? run.kernels : []) {
        // Built directly rather than with tracer.startSpan: per-span probes would
        // measure this merge, not the kernel. endSpan still tells listeners.
        // Named by op type (the node is an attribute) so call graphs and run
        // comparisons group kernels by what they compute: "Conv ×52".
        const span = new Span(parent.trace, parent, kernel.opType, null, KERNEL_TARGET, startNs);
        this.#tracer.recorder.add(span);
        span.setAttribute('opType', kernel.opType);
        span.setAttribute('node', kernel.node);
        if (kernel.provider !== null) span.setAttribute('provider', kernel.provider);
        if (kernel.inputShapes !== null) span.setAttribute('inputShapes', kernel.inputShapes);
        if (kernel.outputShapes !== null) span.setAttribute('outputShapes', kernel.outputShapes);
        if (clamped) span.setAttribute('clamped', true);
        this.#tracer.endSpan(span, endNs);
      }
      parent.setAttribute('opShares', formatOpShares(run.opTotals, runDurationNs));
      parent.setAttribute('opTypes', run.opTotals.length);
      parent.setMetric('kernels', run.kernels.length);
      parent.setMetric('kernelNs', run.kernelNs);
      parent.setMetric('nativeRunNs', run.nativeRunNs);
      for (const total of run.opTotals) {
        parent.setMetric(`op.${total.opType}.durationNs`, total.durationNs);
        parent.setMetric(`op.${total.opType}.count`, total.count);
      }
      if (run.clampedKernels > 0) parent.setAttribute('clampedKernels', run.clampedKernels);
    });
    if (runsLeftOut > 0) {
      reportDiagnostic(
        'SS_ONNX_OPS_TRUNCATED',
        `kernel spans of ${runsLeftOut} run(s) of ${entry.label} left out: the span buffer is full (maxSpans ${recorder.maxSpans}); ` +
          'their per-op totals are kept. Raise it with --max-spans (maxSpans option) to see every kernel',
      );
    }
  }
}
