import type { RunDocument } from '../core/run-document.js';
import type { SpanRecord } from '../core/types.js';
import type { DotOptions } from '../render/call-graph/dot.js';
import type { GanttOptions } from '../render/gantt.js';
import { resolveMinDurationNs } from '../render/min-duration.js';
import type { TextTreeOptions } from '../render/text-tree.js';
import type { OutputOptions, OutputResult } from '../render/write-outputs.js';
import { lazyModules } from './lazy-modules.js';
import type { ResolvedPresetOptions } from './options/preset-fields.js';

/** A feature's view of the text tree (see `Preset.decorateTree`). */
export interface TreeDecorator {
  view?(doc: RunDocument): RunDocument;
  annotate?(doc: RunDocument): (span: SpanRecord) => string;
}

/**
 * The reporting side of a preset: what happens to a finished run document — the
 * text tree (with the features' views and annotations), warnings, the JSON
 * files, and the pictures. `Preset` keeps the traced run (tracer, instrumenter,
 * budget, probes) and hands each finished document here. Renderers and writers
 * are loaded on first use (lazy-modules.ts): a run that asks for no picture
 * never loads them.
 */
export class RunReporter {
  readonly #options: ResolvedPresetOptions;
  readonly #probesEnabled: () => boolean;
  readonly #decorators: TreeDecorator[] = [];

  constructor(options: ResolvedPresetOptions, probesEnabled: () => boolean) {
    this.#options = options;
    this.#probesEnabled = probesEnabled;
  }

  /** Add a view of the text tree (see `Preset.decorateTree`). */
  decorate(decorator: TreeDecorator): void {
    this.#decorators.push(decorator);
  }

  /** The text tree of `doc`, with the features' views and annotations and the tree options. */
  renderTree(doc: RunDocument): string {
    let view = doc;
    for (const decorator of this.#decorators) if (decorator.view !== undefined) view = decorator.view(view);
    const annotators: ((span: SpanRecord) => string)[] = [];
    if (this.#probesEnabled()) annotators.push(lazyModules.probeAnnotation().probeAnnotation(view));
    for (const decorator of this.#decorators) if (decorator.annotate !== undefined) annotators.push(decorator.annotate(view));
    const options: TextTreeOptions = {};
    if (annotators.length > 0)
      options.annotate = (span) =>
        annotators
          .map((annotate) => annotate(span))
          .filter((text) => text !== '')
          .join('  ');
    if (this.#options.compact) options.compact = true;
    if (this.#options.treeDepth !== undefined) options.maxDepth = this.#options.treeDepth;
    const minDurationNs = this.#minDurationNs(view);
    if (minDurationNs > 0) options.minDurationNs = minDurationNs;
    return lazyModules.textTree().renderTextTree(view, options);
  }

  async saveSvg(doc: RunDocument, file: string, options: DotOptions = {}): Promise<void> {
    // Loading Graphviz's wasm holds no event-loop handle on Node 22+: a script
    // whose last work is `await preset.saveSvg()` would exit with code 13
    // (unsettled top-level await) before the file is written.
    const keepAlive = setInterval(() => undefined, 1 << 30);
    let result: OutputResult | undefined;
    try {
      [result] = await lazyModules.writeOutputs().writeOutputs(doc, { svg: file }, { callGraph: options });
    } finally {
      clearInterval(keepAlive);
    }
    throwUnlessWritten(result, file);
  }

  saveGantt(doc: RunDocument, file: string, options: GanttOptions = {}): void {
    throwUnlessWritten(lazyModules.writeOutputs().writeOutputsSync(doc, { gantt: file }, { gantt: options })[0], file);
  }

  saveTrace(doc: RunDocument, file: string): void {
    throwUnlessWritten(lazyModules.writeOutputs().writeOutputsSync(doc, { trace: file })[0], file);
  }

  /**
   * "; draw it with: stagescope render RUN.json --svg FILE …" for a call graph
   * that could not be drawn: from the run document asked for, or one saved now
   * beside the SVG (synchronous; the process may be exiting). Empty when there
   * is no run document to point to.
   */
  #renderCommand(doc: RunDocument | null, file: string): string {
    let json = this.#options.json;
    if (json === undefined && doc !== null) {
      try {
        json = `${file}.run.json`;
        lazyModules.atomicWrite().writeFileAtomicSync(json, JSON.stringify(doc) + '\n');
      } catch {
        json = undefined;
      }
    }
    if (json === undefined) return '';
    const { maxNodes, highlight, highlightExclude } = this.#options.callGraph ?? {};
    const flags = [
      ...(maxNodes === undefined ? [] : ['--max-nodes', String(maxNodes)]),
      ...(highlight === undefined ? [] : ['--highlight', highlight]),
      ...(highlightExclude === undefined || highlightExclude.length === 0 ? [] : ['--highlight-exclude', highlightExclude.join(',')]),
    ];
    return `; draw it with: ${['stagescope', 'render', json, '--svg', file, ...flags].map(shellQuote).join(' ')}`;
  }

  /**
   * Report a finished run: the tree (unless quiet), the diagnostics as warnings,
   * the run document (`json`) and the CLI's copy (`handoffJson`), and the
   * pictures asked for. Synchronous, on every exit path; a closed stderr or a
   * file that cannot be written never turns a finished run into a crash.
   */
  emit(doc: RunDocument): void {
    const { output, quiet, json } = this.#options;
    const write = (text: string): void => {
      try {
        output.write(text);
      } catch {
        // a closed stderr must not turn a finished run into a crash
      }
    };
    if (!quiet) {
      // A tree that cannot be drawn (a renderer's bug, a run past a string's
      // limit) must not cost the run document below, nor change the exit code.
      let tree: string | undefined;
      try {
        tree = this.renderTree(doc);
      } catch (error) {
        write(`stagescope: error: could not draw the text tree: ${error instanceof Error ? error.message : String(error)}\n`);
      }
      if (tree !== undefined) write(tree);
    }
    for (const diagnostic of doc.diagnostics) write(`stagescope: warning [${diagnostic.code}] ${diagnostic.message}\n`);
    if (json !== undefined) {
      try {
        lazyModules.atomicWrite().writeFileAtomicSync(json, JSON.stringify(doc, null, 1) + '\n');
        if (!quiet) write(`stagescope: run document written to ${json}\n`);
      } catch (error) {
        write(`stagescope: error: could not write the run document to ${json}: ${String(error)}\n`);
      }
    }
    const { handoffJson } = this.#options;
    if (handoffJson !== undefined) {
      try {
        lazyModules.atomicWrite().writeFileAtomicSync(handoffJson, JSON.stringify(doc));
      } catch {
        // the CLI says what it could not draw
      }
    }
    const { svg, gantt, trace } = this.#options.outputs;
    // Synchronous, on every exit path: without Graphviz loaded here, the SVG is drawn by a child process.
    // The writers (and the renderers they import) are loaded only when a picture was asked for.
    if (svg === undefined && gantt === undefined && trace === undefined) return;
    for (const result of lazyModules.writeOutputs().writeOutputsSync(doc, { svg, gantt, trace }, this.#pictureOptions(doc))) {
      // A call graph the renderer could not draw leaves one command that draws it later (issue 13).
      this.#report(
        result.kind === 'svg' && result.status === 'failed' ? { ...result, error: `${result.error}${this.#renderCommand(doc, result.file)}` } : result,
      );
    }
  }

  #minDurationNs(doc: RunDocument): number {
    const threshold = this.#options.minDuration;
    return threshold === undefined ? 0 : resolveMinDurationNs(threshold, doc);
  }

  /** Call-graph and Gantt options: the preset's, with the min-duration threshold of this run. */
  #pictureOptions(doc: RunDocument): OutputOptions {
    const minDurationNs = this.#minDurationNs(doc);
    return { callGraph: { ...this.#options.callGraph, minDurationNs }, gantt: { minDurationNs } };
  }

  #report(result: OutputResult): void {
    if (result.status === 'written' && this.#options.quiet) return;
    try {
      this.#options.output.write(`${lazyModules.writeOutputs().describeOutputResult(result)}\n`);
    } catch {
      // a closed stderr must not turn a finished run into a crash
    }
  }
}

function throwUnlessWritten(result: OutputResult | undefined, file: string): void {
  if (result?.status !== 'written')
    throw new Error(result === undefined ? `stagescope: nothing written to ${file}` : lazyModules.writeOutputs().describeOutputResult(result));
}

/** A path as one shell word (for commands printed to copy and paste). */
function shellQuote(text: string): string {
  return /^[\w./:@%+-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}
