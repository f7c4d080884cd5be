import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { nowNs } from '../core/clock.js';
import { takeDiagnostics } from '../core/diagnostics.js';
import type { SpanProbe } from '../core/probe.js';
import { buildRunDocument, type RunDocument } from '../core/run-document.js';
import type { Span } from '../core/span.js';
import { Tracer } from '../core/tracer.js';
import { Instrumenter } from '../instrument/instrumenter.js';
import { loadTargetFile } from '../instrument/target-file.js';
import { resolveTarget, type ResolvedTarget, type TargetSpec } from '../instrument/target.js';
import { packageVersion, presetsDir } from '../paths.js';
import { renderTextTree } from '../render/text-tree.js';
import { runScript, type RunScriptOptions } from '../driver/run-script.js';

export interface PresetOptions {
  /**
   * More targets: target file paths (JSON, YAML, CSV) and/or target objects.
   * Added to the preset's built-in list unless `builtInTargets` is false.
   */
  targets?: ReadonlyArray<string | TargetSpec>;
  /** Include the preset's built-in targets (`presets/<name>.yaml`). Default true. */
  builtInTargets?: boolean;
  /** Write the run document (`stagescope.run/1`) here when the run ends. */
  json?: string;
  /** Do not print the tree. Warnings are still printed. Default false. */
  quiet?: boolean;
  /** Where the tree and warnings go. Default process.stderr (the script's stdout stays its own). */
  output?: { write(text: string): unknown };
  /** Spans kept in memory (ring buffer). Default 100 000. */
  maxSpans?: number;
  /** Per-span probes. Default none. */
  probes?: SpanProbe[];
  /** Tree depth shown. Default all. */
  treeDepth?: number;
}

/** Resolved once at construction (tinybench style): every option has its value. */
interface ResolvedPresetOptions {
  json: string | undefined;
  quiet: boolean;
  output: { write(text: string): unknown };
  treeDepth: number | undefined;
}

/**
 * A preset: a framework's built-in target list plus probes and renderers, and the
 * lifecycle of one traced run. Subclasses (`OnnxLatency`, …) only name their
 * target files.
 */
export class Preset {
  readonly name: string;
  readonly tracer: Tracer;
  readonly instrumenter: Instrumenter;
  readonly targets: readonly ResolvedTarget[];
  readonly #options: ResolvedPresetOptions;
  #root: Span | null = null;
  #command: string[] = [];
  #document: RunDocument | null = null;
  #rootError: unknown = undefined;

  constructor(name: string, builtInFiles: readonly string[], options: PresetOptions = {}) {
    this.name = name;
    const targets: ResolvedTarget[] = [];
    if (options.builtInTargets !== false) {
      for (const file of builtInFiles) targets.push(...loadTargetFile(path.join(presetsDir, file), { optional: true }).targets);
    }
    (options.targets ?? []).forEach((entry, index) => {
      if (typeof entry === 'string') targets.push(...loadTargetFile(entry).targets);
      else targets.push(resolveTarget(entry, `options.targets[${index}]`));
    });
    this.targets = targets;
    this.tracer = new Tracer({ ...(options.maxSpans === undefined ? {} : { maxSpans: options.maxSpans }), probes: options.probes ?? [] });
    this.instrumenter = new Instrumenter(this.tracer, targets);
    this.#options = {
      json: options.json,
      quiet: options.quiet ?? false,
      output: options.output ?? process.stderr,
      treeDepth: options.treeDepth,
    };
  }

  /** The root span of the current run, once started. */
  get root(): Span | null {
    return this.#root;
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
    const root = this.tracer.startSpan('run', { parent: null });
    root.setAttribute('preset', this.name);
    this.tracer.ambientRoot = root;
    this.#root = root;
    return root;
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
    this.tracer.endSpan(root, endNs, this.#rootError, this.#rootError !== undefined);
    this.tracer.ambientRoot = null;
    this.instrumenter.disable();
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
    this.#document = doc;
    this.#emit(doc);
    return doc;
  }

  /** The text tree of the finished run. */
  renderTree(): string {
    if (this.#document === null) throw new Error('stagescope: the run has not finished yet; call renderTree() after run() resolves');
    return renderTextTree(this.#document, this.#options.treeDepth === undefined ? {} : { maxDepth: this.#options.treeDepth });
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
    return runScript(this, script, args, options);
  }

  #emit(doc: RunDocument): void {
    const { output, quiet, json } = this.#options;
    const write = (text: string): void => {
      try {
        output.write(text);
      } catch {
        // a closed stderr must not turn a finished run into a crash
      }
    };
    if (!quiet) write(this.renderTree());
    for (const diagnostic of doc.diagnostics) write(`stagescope: warning [${diagnostic.code}] ${diagnostic.message}\n`);
    if (json !== undefined) {
      try {
        writeFileSync(json, JSON.stringify(doc, null, 1) + '\n');
        if (!quiet) write(`stagescope: run document written to ${json}\n`);
      } catch (error) {
        write(`stagescope: error: could not write the run document to ${json}: ${String(error)}\n`);
      }
    }
  }
}
