import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { RunDocument } from '../core/run-document.js';
import type { DotOptions } from './call-graph/dot.js';
import { isGraphvizLoaded, loadGraphviz, renderCallGraphSvgSync } from './call-graph/svg.js';
import { renderChromeTraceJson } from './chrome-trace.js';
import { renderGantt, type GanttOptions } from './gantt.js';
import { writeFileAtomicSync } from './atomic-write.js';

/** Which pictures to write, and where. Every path is optional. */
export interface OutputPaths {
  /** Call-graph SVG (Graphviz, in-process). */
  svg?: string | undefined;
  /** Gantt chart SVG. */
  gantt?: string | undefined;
  /** Chrome/Perfetto trace JSON. */
  trace?: string | undefined;
}

export interface OutputOptions {
  callGraph?: DotOptions;
  gantt?: GanttOptions;
}

/** What happened to one file: exporters report, they do not throw (OpenTelemetry style). */
export type OutputResult =
  | { kind: keyof OutputPaths; file: string; status: 'written' }
  | { kind: keyof OutputPaths; file: string; status: 'failed'; error: string }
  | { kind: keyof OutputPaths; file: string; status: 'skipped'; reason: string };

/** True when any picture was asked for. */
export function wantsOutputs(paths: OutputPaths): boolean {
  return paths.svg !== undefined || paths.gantt !== undefined || paths.trace !== undefined;
}

/**
 * Write the asked-for pictures of a run, synchronously (usable in an `exit`
 * handler, and it starts no async work, so a `beforeExit` caller does not make
 * Node emit `beforeExit` again). Every file is written atomically (temporary
 * file + rename). The call graph uses Graphviz in this process when it is
 * already loaded ({@link loadGraphviz}), else in a short-lived child process
 * (see svg-child.ts) that this call waits for.
 */
export function writeOutputsSync(doc: RunDocument, paths: OutputPaths, options: OutputOptions = {}): OutputResult[] {
  const results: OutputResult[] = [];
  const write = (kind: keyof OutputPaths, file: string | undefined, render: () => string): void => {
    if (file === undefined) return;
    try {
      // No mkdir -p: a typo in a directory name should fail loudly, not create a tree.
      writeFileAtomicSync(file, render());
      results.push({ kind, file, status: 'written' });
    } catch (error) {
      results.push({ kind, file, status: 'failed', error: error instanceof Error ? error.message : String(error) });
    }
  };
  if (paths.svg !== undefined) {
    if (isGraphvizLoaded()) write('svg', paths.svg, () => renderCallGraphSvgSync(doc, options.callGraph));
    else results.push(writeSvgInChildSync(doc, paths.svg, options.callGraph));
  }
  write('gantt', paths.gantt, () => renderGantt(doc, options.gantt));
  write('trace', paths.trace, () => renderChromeTraceJson(doc));
  return results;
}

/** Like {@link writeOutputsSync}, loading Graphviz first when a call graph is asked for. */
export async function writeOutputs(doc: RunDocument, paths: OutputPaths, options: OutputOptions = {}): Promise<OutputResult[]> {
  if (paths.svg !== undefined) {
    try {
      await loadGraphviz();
    } catch (error) {
      // Reported through the result of the SVG below (skipped, with the reason).
      const rest = writeOutputsSync(doc, { ...paths, svg: undefined }, options);
      return [
        { kind: 'svg', file: paths.svg, status: 'failed', error: `could not load Graphviz (wasm): ${error instanceof Error ? error.message : String(error)}` },
        ...rest,
      ];
    }
  }
  return writeOutputsSync(doc, paths, options);
}

const SVG_CHILD = fileURLToPath(new URL('./svg-child.js', import.meta.url));

/** Draw the call graph in a child node (Graphviz loads there) and wait for it. */
export function writeSvgInChildSync(doc: RunDocument, file: string, options: DotOptions = {}): OutputResult {
  // The child must not be traced itself (NODE_OPTIONS may carry --import stagescope/register).
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (key !== 'NODE_OPTIONS' && !key.startsWith('STAGESCOPE_')) env[key] = value;
  try {
    const child = spawnSync(process.execPath, [SVG_CHILD, file], {
      input: JSON.stringify({ doc, options }),
      env,
      stdio: ['pipe', 'ignore', 'pipe'],
      maxBuffer: 1024 * 1024,
      timeout: 120_000,
    });
    if (child.error !== undefined) return { kind: 'svg', file, status: 'failed', error: `could not start the call-graph renderer: ${child.error.message}` };
    if (child.status !== 0) {
      const reason =
        child.stderr.toString('utf8').trim() || (child.signal !== null ? `renderer killed by ${child.signal}` : `renderer exit code ${String(child.status)}`);
      return { kind: 'svg', file, status: 'failed', error: reason };
    }
    return { kind: 'svg', file, status: 'written' };
  } catch (error) {
    return { kind: 'svg', file, status: 'failed', error: error instanceof Error ? error.message : String(error) };
  }
}

const KIND_LABEL: Record<keyof OutputPaths, string> = { svg: 'call graph', gantt: 'Gantt chart', trace: 'trace (Perfetto/chrome://tracing/speedscope)' };

/** One line per result, for stderr: "stagescope: call graph written to g.svg". */
export function describeOutputResult(result: OutputResult): string {
  const label = KIND_LABEL[result.kind];
  if (result.status === 'written') return `stagescope: ${label} written to ${result.file}`;
  if (result.status === 'skipped') return `stagescope: note: ${label} not written to ${result.file}: ${result.reason}`;
  return `stagescope: error: could not write the ${label} to ${result.file}: ${result.error}`;
}
