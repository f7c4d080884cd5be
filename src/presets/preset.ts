import { nowNs, takeFastClockSwitchNs } from '../core/clock.js';
import { takeDiagnostics } from '../core/diagnostics.js';
import { guarded } from '../core/guarded.js';
import { buildRunDocument, type OverheadBreakdown, type RunDocument, type TargetCost } from '../core/run-document.js';
import {
  CODE_CACHE_STATUS_KEY,
  LOAD_START_KEY,
  loaderNeededWithoutImport,
  noteCodeCoverage,
  SCRIPT_START_KEY,
  sinceBootstrapNs,
} from '../core/process-marks.js';
import { warmUpContext } from '../core/warm-up.js';
import { asyncContextMechanism, asyncIdCounter, asyncResourceNs } from '../core/context.js';
import { runDeferred } from '../core/deferred.js';
import { calibratedAlready, unmeasuredPartNs, wrapperCostsFor } from '../instrument/overhead-model.js';
import type { Span } from '../core/span.js';
import { Tracer } from '../core/tracer.js';
import { Instrumenter } from '../instrument/instrumenter.js';
import { loadTargetFile } from '../instrument/target-file.js';
import { resolveTargets, type ResolvedTarget } from '../instrument/target.js';
import { packageVersion } from '../paths.js';
import { loadBuiltInTargets } from '../instrument/builtin-targets.js';
import type { DotOptions } from '../render/call-graph/dot.js';
import type { GanttOptions } from '../render/gantt.js';
import type { ProbeSession } from '../probes/probe-session.js';
import type { RunScriptOptions } from '../driver/run-script.js';
import { OverheadBudget } from '../instrument/overhead-budget.js';
import { moduleHooksOwnNs } from '../instrument/module-hooks.js';
import { switchTimesNs } from '../instrument/wrap.js';
import { lazyModules } from './lazy-modules.js';
// The built-in hook families, for every preset (a custom target file may name them).
import './hook-providers.js';
import { RunReporter, type TreeDecorator } from './run-reporter.js';
import { setActiveTracer } from '../api/active-tracer.js';
import { MODEL_RULES, resolveModelRule, type ModelStageRule } from '../instrument/model-rules.js';
import type { PresetOptions } from './options/preset-options.js';
import { checked, keptPresetFields, resolvePresetOptions, type ResolvedPresetOptions } from './options/preset-fields.js';
import { RUN_OPTIONS } from './options/run-options.js';
import { reportEntryScriptTargets } from '../instrument/entry-script-targets.js';
import { startReachLazily, type LazyReach } from '../reach/lazy-reach.js';
import { registerEntryImportsFirst, registerEntryImportsLast } from '../reach/preloads.js';
import { reportUnmatchedPackages } from '../reach/unmatched-packages.js';

// Declared beside the option table; exported from here as it always was.
export type { PresetOptions } from './options/preset-options.js';

export type { TreeDecorator } from './run-reporter.js';

/**
 * A preset: a framework's built-in target list plus probes and renderers, and the
 * lifecycle of one traced run. Subclasses (`OnnxLatency`, …) only name their
 * target files.
 */
export class Preset {
  readonly name: string;
  readonly tracer: Tracer;
  readonly instrumenter: Instrumenter;
  /** The overhead budget (option `maxOverheadPct`): samples or disables too-hot targets and records it. */
  readonly budget: OverheadBudget;
  readonly targets: readonly ResolvedTarget[];
  /** Model → stage rules (option `models`, then target files' `models:`), first match wins. */
  readonly models: readonly ModelStageRule[];
  readonly #options: ResolvedPresetOptions;
  #root: Span | null = null;
  #command: string[] = [];
  #document: RunDocument | null = null;
  #rootError: unknown = undefined;
  #beforeFinish: Array<() => void> = [];
  #afterStart: ((root: Span) => void)[] = [];
  /** Tree, warnings, run document and pictures of the finished run. */
  readonly #reporter: RunReporter;
  /** stagescope's own time in the module hooks when the run started (`overhead.modulesNs` is what the run added). */
  #moduleHooksAtStartNs = 0;
  /** The recorder's growth time when the run started (`overhead.recorderNs` is what the run added). */
  #recorderGrowAtStartNs = 0;
  /** When a register entry (or the CLI) started loading stagescope, when one marked it (see `#startupNs`). */
  #loadStartHrNs: bigint | undefined = undefined;
  /** When this preset started (the end of start-up when the script's start was not seen). */
  #startedHrNs: bigint | undefined = undefined;
  /** The async id counter when the run started (`async-hooks` only: `#asyncContext`). */
  #asyncIdAtStart: number | undefined = undefined;
  /** Clears this preset as the target of manual spans (`span`, `traced`). */
  #releaseActive: () => void = () => undefined;
  /** Null without probes: the probe modules are not even loaded then. */
  readonly #probes: ProbeSession | null;
  /** The options as given: workers and child processes get their portable part (reach/link.ts). */
  readonly #givenOptions: PresetOptions;
  #reach: LazyReach | null = null;

  constructor(name: string, builtInFiles: readonly string[], options: PresetOptions = {}) {
    this.name = name;
    this.#givenOptions = options;
    const resolved = resolvePresetOptions(options);
    const targets: ResolvedTarget[] = [];
    const models: ModelStageRule[] = (options.models ?? []).map((entry, index) => resolveModelRule(entry, `options.models[${index}]`));
    const builtInModels: ModelStageRule[] = [];
    if (resolved.builtInTargets) {
      for (const file of builtInFiles) {
        const loaded = loadBuiltInTargets(file);
        targets.push(...loaded.targets);
        builtInModels.push(...loaded.models);
      }
    }
    (options.targets ?? []).forEach((entry, index) => {
      if (typeof entry === 'string') {
        const loaded = loadTargetFile(entry);
        targets.push(...loaded.targets);
        models.push(...loaded.models);
      } else targets.push(...resolveTargets(entry, `options.targets[${index}]`));
    });
    this.targets = targets;
    // The user's rules before the built-in lists' own.
    this.models = [...models, ...builtInModels];
    const probeSpecs = resolved.probes;
    this.#probes = probeSpecs.length === 0 ? null : new (lazyModules.probeSession().ProbeSession)(lazyModules.probeRegistry().resolveProbes(probeSpecs));
    this.tracer = new Tracer({ maxSpans: resolved.maxSpans, probes: [...(this.#probes?.spanProbes ?? [])] });
    this.instrumenter = new Instrumenter(this.tracer, targets);
    // The onnx and tfjs hooks find this preset's model rules in its hook scope.
    this.instrumenter.hookScope.state(MODEL_RULES).push(...this.models);
    this.budget = new OverheadBudget(this.instrumenter, { maxOverheadPct: resolved.maxOverheadPct }).attach();
    this.#options = resolved;
    this.#reporter = new RunReporter(resolved, () => this.#probes?.enabled === true);
  }

  /** The root span of the current run, once started. */
  get root(): Span | null {
    return this.#root;
  }

  /** Where the run document is written (option `json`), if anywhere. */
  get jsonFile(): string | undefined {
    return this.#options.json;
  }

  /** The run document, once the run has finished. */
  get document(): RunDocument | null {
    return this.#document;
  }

  /**
   * Start tracing: patch the libraries (already loaded, and from now on) and open
   * the root span. `basedir` is where the traced script lives: packages are
   * resolved from there, not from stagescope's own folder.
   */
  start(command: string[] = [], basedir?: string): Span {
    if (this.#root !== null) throw new Error(`stagescope: preset "${this.name}" was already started; create a new preset per run`);
    this.#command = command;
    if (basedir !== undefined) this.instrumenter.addBasedir(basedir);
    this.instrumenter.enable();
    this.instrumenter.reportMissingModules();
    // Only a driver that runs a script passes its folder; `serve` names no script.
    if (basedir !== undefined) reportEntryScriptTargets(this.targets, command[0], basedir);
    const root = this.tracer.startSpan('run', { parent: null });
    root.setAttribute('preset', this.name);
    this.tracer.ambientRoot = root;
    this.#root = root;
    this.#releaseActive = setActiveTracer(this.tracer);
    this.#moduleHooksAtStartNs = moduleHooksOwnNs();
    this.#recorderGrowAtStartNs = this.tracer.recorder.growNs;
    this.#probes?.start(root);
    this.#reach = startReachLazily(this, this.#givenOptions, keptPresetFields());
    for (const callback of this.#afterStart) callback(root);
    warmUpContext(root);
    // Counted from here, where the context's hooks are on (the warm-up entered a store).
    if (asyncContextMechanism() === 'async-hooks') this.#asyncIdAtStart = asyncIdCounter();
    const loadStartHrNs = (globalThis as { [LOAD_START_KEY]?: unknown })[LOAD_START_KEY];
    if (typeof loadStartHrNs === 'bigint') this.#loadStartHrNs = loadStartHrNs;
    this.#startedHrNs = process.hrtime.bigint();
    return root;
  }

  /**
   * Start-up, ns: from the register entry's (or the CLI's) first statement to
   * when Node started loading the script, as the module hooks saw it
   * (core/process-marks.ts, SCRIPT_START_KEY); to this preset's start when they did
   * not (Node 20's ESM hooks run in a thread of their own), or when another
   * `--import` ran after stagescope's (its time is not stagescope's:
   * reach/preloads.ts). Undefined without a register entry (the API driver).
   */
  #startupNs(): number | undefined {
    const loadStart = this.#loadStartHrNs;
    if (loadStart === undefined || this.#startedHrNs === undefined) return undefined;
    const scriptStart = (globalThis as { [SCRIPT_START_KEY]?: unknown })[SCRIPT_START_KEY];
    const end = typeof scriptStart === 'bigint' && scriptStart >= this.#startedHrNs && registerEntryImportsLast() ? scriptStart : this.#startedHrNs;
    return Math.max(0, Number(end - loadStart));
  }

  /** How `overheadNs` is made up: calls × calibrated costs, plus measured hooks and probes. */
  #overheadBreakdown(root: Span): OverheadBreakdown {
    const trace = root.trace;
    let passThroughCalls = 0;
    let watchedSyncCalls = 0;
    let watchedAsyncCalls = 0;
    let keptLongCalls = 0;
    const byTarget: Record<string, TargetCost> = {};
    for (const target of this.targets) {
      const sw = this.instrumenter.targetSwitch(target.id);
      if (sw !== undefined && ((sw.calls ?? 0) > 0 || (sw.passThroughCalls ?? 0) > 0) && byTarget[target.id] === undefined) {
        const times = switchTimesNs(sw);
        byTarget[target.id] = {
          calls: sw.calls ?? 0,
          passThroughCalls: sw.passThroughCalls ?? 0,
          durationNs: Math.round(times.durationNs),
          hooksNs: Math.round(times.overheadNs),
          measuredCalls: sw.measuredCalls ?? 0,
          wrapperMeasuredNs: Math.round(times.wrapperMeasuredNs),
        };
      }
      passThroughCalls += sw?.passThroughCalls ?? 0;
      // Timed pass-throughs (a target the budget sampled or disabled), kept long calls included.
      watchedSyncCalls += (sw?.watchedCalls ?? 0) - (sw?.watchedAsyncCalls ?? 0);
      watchedAsyncCalls += sw?.watchedAsyncCalls ?? 0;
      keptLongCalls += sw?.keptLongCalls ?? 0;
    }
    const probesNs = Math.round(Math.min(this.tracer.probeNs, trace.overheadNs));
    const breakdown: OverheadBreakdown = {
      wrapperNs: 0,
      passThroughCalls,
      passThroughNs: 0,
      hooksNs: Math.round(trace.overheadNs - probesNs),
      probesNs,
      modulesNs: Math.max(0, Math.round(moduleHooksOwnNs() - this.#moduleHooksAtStartNs)),
      recorderNs: Math.max(0, Math.round(this.tracer.recorder.growNs - this.#recorderGrowAtStartNs)),
      warmUpNs: 0,
    };
    if (trace.wrappedCalls > 0 || passThroughCalls > 0) {
      noteCodeCoverage('calls'); // the wrapper's call path ran (for the code cache)
      const calibratedBefore = calibratedAlready();
      const costs = wrapperCostsFor(trace.wrappedCalls + passThroughCalls);
      // Kept long calls (a cut target's, recorded after they ended) are costed as timed pass-throughs below.
      // Calls of hooked targets: the wrapper's time measured where it ran
      // (Trace.measuredCalls), plus the calibrated parts it cannot time.
      const measuredAsync = trace.measuredAsyncCalls;
      const measuredSync = trace.measuredCalls - measuredAsync;
      const syncCalls = trace.wrappedCalls - trace.asyncCalls - trace.keptCalls - measuredSync;
      const asyncCalls = trace.asyncCalls - measuredAsync;
      const measuredNs = Math.round(trace.wrapperMeasuredNs);
      const unmeasuredNs = trace.measuredCalls === 0 ? 0 : trace.measuredCalls * unmeasuredPartNs(costs, measuredAsync / trace.measuredCalls);
      breakdown.wrapperNs = measuredNs + Math.round(syncCalls * costs.recordSyncNs + asyncCalls * costs.recordAsyncNs + unmeasuredNs);
      if (trace.measuredCalls > 0) {
        breakdown.measuredCalls = trace.measuredCalls;
        breakdown.timedCalls = trace.timedCalls;
        breakdown.wrapperMeasuredNs = measuredNs;
      }
      // Measured calls carry their own warm-up: a hooked call's wrapper is always
      // timed, a hookless one's during the process's first COLD_CALLS (wrap.ts).
      breakdown.warmUpNs = Math.round(takeFastClockSwitchNs());
      // A kept long call was timed as a pass-through and then recorded: it is
      // costed as a timed call (its span's own cost is small beside its ≥ 100 µs).
      // (`passThroughCalls` no longer counts the kept ones.)
      const untimedCalls = Math.max(0, passThroughCalls + keptLongCalls - watchedSyncCalls - watchedAsyncCalls);
      breakdown.passThroughNs = Math.round(untimedCalls * costs.passThroughNs + watchedSyncCalls * costs.watchSyncNs + watchedAsyncCalls * costs.watchAsyncNs);
      if (watchedSyncCalls + watchedAsyncCalls > 0) breakdown.watchedCalls = watchedSyncCalls + watchedAsyncCalls;
      breakdown.perCall = {
        syncNs: Math.round(costs.recordSyncNs),
        asyncNs: Math.round(costs.recordAsyncNs),
        passThroughNs: Math.round(costs.passThroughNs),
        watchSyncNs: Math.round(costs.watchSyncNs),
        watchAsyncNs: Math.round(costs.watchAsyncNs),
        insideSpanNs: Math.round(costs.insideSpanNs),
        calibrated: costs.calibrated,
      };
      if (costs.calibrated && !calibratedBefore && costs.calibrationNs > 0) breakdown.calibrationNs = costs.calibrationNs;
    }
    if (Object.keys(byTarget).length > 0) breakdown.byTarget = byTarget;
    const startupNs = this.#startupNs();
    if (startupNs !== undefined) {
      // Node's handling of the `--import` before the entry's first line, when
      // only the flag made Node set up its module loader (process-marks.ts, sinceBootstrapNs).
      const importNs =
        this.#loadStartHrNs !== undefined && registerEntryImportsFirst() && loaderNeededWithoutImport() === false
          ? sinceBootstrapNs(this.#loadStartHrNs)
          : undefined;
      breakdown.startupNs = startupNs + (importNs ?? 0);
      if (importNs !== undefined) breakdown.startupImportNs = importNs;
    }
    const codeCache = (globalThis as { [CODE_CACHE_STATUS_KEY]?: OverheadBreakdown['startupCodeCache'] })[CODE_CACHE_STATUS_KEY];
    if (codeCache !== undefined) breakdown.startupCodeCache = codeCache;
    // The wrappers' own promises (one `.then` per async call they recorded or watched) are in OH's per-call costs.
    breakdown.asyncContext = this.#asyncContext(trace.asyncCalls + watchedAsyncCalls);
    return breakdown;
  }

  /**
   * The process's AsyncLocalStorage cost since the run started, where it is paid
   * per async resource (async hooks; see `RunDocument['overhead']['asyncContext']`),
   * less `ownResources`: the promises stagescope's wrappers made, whose cost OH
   * counts already (the per-call costs were measured with AsyncLocalStorage on).
   */
  #asyncContext(ownResources: number): NonNullable<OverheadBreakdown['asyncContext']> {
    const mechanism = asyncContextMechanism();
    if (mechanism !== 'async-hooks' || this.#asyncIdAtStart === undefined) return { mechanism };
    // Less one: the reading's own resource.
    const asyncResources = Math.max(0, asyncIdCounter() - this.#asyncIdAtStart - 1 - ownResources);
    const perResourceNs = asyncResourceNs();
    return { mechanism, asyncResources, perResourceNs, estimatedNs: Math.round(asyncResources * perResourceNs) };
  }

  /**
   * Run `callback` when the run starts, with the root span (a feature that needs
   * process-wide state only while this preset runs, like the ONNX profiler).
   */
  onStart(callback: (root: Span) => void): void {
    this.#afterStart.push(callback);
  }

  /**
   * Add a view of the text tree: `view` may rewrite the document the tree is
   * drawn from (e.g. keep only the slowest kernels), `annotate` adds text after a
   * span's duration, after the probe values. Used by preset features.
   */
  decorateTree(decorator: TreeDecorator): void {
    this.#reporter.decorate(decorator);
  }

  /**
   * Run `callback` synchronously when the run ends, after the root span's end
   * time is taken and before the run document is built: the place to flush data
   * a library only hands over at the end (onnxruntime's profiler file) into
   * spans. Callbacks run once, in registration order; one that throws is
   * reported as a diagnostic and the others still run.
   */
  onBeforeFinish(callback: () => void): void {
    this.#beforeFinish.push(callback);
  }

  /** Record the error that ended the run (the script threw). */
  setError(error: unknown): void {
    this.#rootError = error;
  }

  /**
   * End the run: close the root span, build the run document, print the tree and
   * warnings, write the JSON file. Synchronous, so it can run in an `exit` handler.
   * Idempotent: the first call wins.
   */
  finish(exitCode: number | null = null): RunDocument {
    if (this.#document !== null) return this.#document;
    const root = this.#root ?? this.start();
    const endNs = nowNs();
    for (const callback of this.#beforeFinish.splice(0)) {
      guarded('SS_FINISH_CALLBACK_FAILED', () => `a before-finish callback of preset "${this.name}" threw`, callback);
    }
    this.#releaseActive();
    this.tracer.endSpan(root, endNs, this.#rootError, this.#rootError !== undefined);
    runDeferred(); // attributes hooks left for the report (file sizes): after the run, before the document
    this.#probes?.stop();
    this.tracer.ambientRoot = null;
    this.instrumenter.disable();
    reportUnmatchedPackages(this.instrumenter);
    // Before the spans are made into records below: a calibration (runs of
    // 100 000 calls or more) measured with the young generation full of 100 000
    // fresh records read 1.6–1.9× high until V8 collected them, and the run's
    // reported overhead came out 1.0× or 1.6× of the measured one depending on
    // whether that collection fell inside the calibration (bench:cost row 8).
    const overhead = this.#overheadBreakdown(root);
    const diagnostics = takeDiagnostics().map(({ code, message }) => ({ code, message }));
    const doc = buildRunDocument({
      preset: this.name,
      command: this.#command,
      root,
      spans: this.tracer.recorder.spans(),
      droppedSpans: this.tracer.recorder.droppedSpans,
      exitCode,
      diagnostics,
      stagescopeVersion: packageVersion,
      atNs: endNs,
    });
    this.#probes?.attach(doc);
    doc.overhead = overhead;
    doc.overheadNs =
      overhead.wrapperNs +
      overhead.warmUpNs +
      overhead.passThroughNs +
      overhead.hooksNs +
      overhead.probesNs +
      (overhead.modulesNs ?? 0) +
      (overhead.recorderNs ?? 0);
    const budget = this.budget.summary();
    // A target cut and restored still left calls unrecorded: the root line says so.
    if (budget.sampled + budget.disabled + budget.restored > 0) {
      const { restored, ...rest } = budget;
      doc.budget = restored > 0 ? budget : rest;
    }
    // Workers' and child processes' spans (and their overhead: `overhead.reachNs`).
    doc.pid = process.pid;
    const ownOverheadNs = doc.overheadNs;
    this.#reach?.finishInto(doc, root);
    if (doc.overheadNs > ownOverheadNs) overhead.reachNs = doc.overheadNs - ownOverheadNs;
    if (this.budget.events.length > 0) doc.adaptive = this.budget.events.map((event) => ({ ...event, atNs: Math.max(0, event.atNs - root.startNs) }));
    this.#document = doc;
    this.#reporter.emit(doc);
    return doc;
  }

  /** The text tree of the finished run. */
  renderTree(): string {
    return this.#reporter.renderTree(this.#finished('renderTree'));
  }

  /**
   * Run an unmodified script under this preset and resolve with its run document
   * once the script's work is done (top-level await, an exported `main`, or
   * fire-and-forget async work: all finish before this resolves). A script that
   * throws still gets its partial tree; `run` then rejects with the script's own
   * error.
   *
   * @example
   * import { OnnxLatency } from 'stagescope';
   * await new OnnxLatency().run('./my-classifier.mjs');
   */
  async run(script: string | URL, args: readonly string[] = [], options: RunScriptOptions = {}): Promise<RunDocument> {
    const callMain = checked(RUN_OPTIONS.callMain, options.callMain) ?? RUN_OPTIONS.callMain.defaultValue;
    return await lazyModules.runScript().runScript(this, script, args, callMain);
  }

  /**
   * Write the call graph of the finished run as SVG (Graphviz compiled to wasm,
   * in-process; no `dot` binary). The node with the most self time is highlighted.
   *
   * @example
   * const driver = new OnnxLatency();
   * await driver.run('./ocr.mjs');
   * await driver.saveSvg('callgraph.svg');
   */
  async saveSvg(file: string, options: DotOptions = {}): Promise<void> {
    await this.#reporter.saveSvg(this.#finished('saveSvg'), file, options);
  }

  /** Write the Gantt chart (SVG) of the finished run: one bar per span on a time axis, coloured by stage. */
  saveGantt(file: string, options: GanttOptions = {}): void {
    this.#reporter.saveGantt(this.#finished('saveGantt'), file, options);
  }

  /** Write a Chrome/Perfetto trace (JSON) of the finished run: open it in ui.perfetto.dev or speedscope. */
  saveTrace(file: string): void {
    this.#reporter.saveTrace(this.#finished('saveTrace'), file);
  }

  #finished(method: string): RunDocument {
    if (this.#document === null) throw new Error(`stagescope: the run has not finished yet; call ${method}() after run() resolves`);
    return this.#document;
  }
}
