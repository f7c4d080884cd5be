import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os, { constants } from 'node:os';
import path from 'node:path';
import type { RunDocument } from '../core/run-document.js';
import { describeOutputResult, writeOutputs } from '../io/write-outputs.js';
import type { DotOptions } from '../render/call-graph/dot.js';
import { resolveMinDurationNs, type MinDuration } from '../render/min-duration.js';
import { withDefaults } from './render-command.js';
import { writeHtmlReport } from './report-command.js';
import { splitAtDoubleDash } from './split-argv.js';
import { parseArgs } from 'node:util';
import { presetNames } from '../presets/registry.js';
import { parseProbeList, UnknownProbeError } from '../probes/registry.js';
import { CliError } from './cli-error.js';
import { spawnTraced, validateTracedRun, type TracedRunOptions } from './spawn-traced.js';
import { pictureArgs } from './picture-args.js';

export const RUN_USAGE = `Usage: stagescope run [options] -- <script> [script args...]

Runs an unmodified Node.js script under a preset and prints its stage tree to
stderr when the script's work is done. The script's stdout, stderr, argv and exit
code stay its own; stagescope exits with the script's exit code. SIGINT, SIGTERM
and SIGHUP sent to stagescope reach the script once; if stagescope is killed,
the script gets SIGTERM instead of running on.

Options:
  --preset NAME       preset to use (${'{presets}'}); default custom
  --targets FILE      extra targets (JSON, YAML or CSV); repeatable
  --json FILE         write the run document (stagescope.run/1) to FILE
  --quiet             do not print the tree
  --compact           fold 3+ same-named siblings into one line (rec × 37, total, p50, max)
  --svg FILE          write the call graph (SVG, slowest node highlighted) to FILE
  --gantt FILE        write a Gantt chart (SVG, one bar per span on a time axis) to FILE
  --trace FILE        write a Chrome/Perfetto trace (JSON; ui.perfetto.dev, speedscope) to FILE
  --html FILE         write one self-contained HTML report (tree, call graph, timeline) to FILE
  --min-duration T    hide spans shorter than T (1ms, 250us, 0.5s, or 5% of the run) in
                      the tree and pictures; each parent's line counts what was folded
  --max-nodes N       call graph: merge small call sites past N nodes (default 40)
  --highlight self|total  call graph: highlight the node with the most self time
                      (default) or the most total time (with its children)
  --highlight-exclude STAGES  never highlight these stages (comma-separated, e.g. load)
  --max-spans N       spans kept in memory (ring buffer; default 100000)
  --onnx-ops          onnx preset: op-level drill-down with onnxruntime's profiler (kernels under each run)
  --probes LIST       probes, comma-separated: memory,cpu,disk,network,eventloop,gc,system or all
  --max-overhead-pct P  overhead budget: sample or switch off targets whose wrappers cost more
                      than P% of the work they measure (default 1; "off" disables the budget)
  --node-arg ARG      pass ARG to node (e.g. --node-arg=--max-old-space-size=4096); repeatable
  --call-main         call the script's exported main(argv) after its top level ran (by
                      default only when the script certainly does not start main itself)
  -h, --help          show this help
`;

const osSignals: Partial<Record<string, number>> = constants.signals;

export function runUsage(): string {
  return RUN_USAGE.replace('{presets}', presetNames().join(', '));
}

/** `stagescope run`: validate options here (fail fast), then trace the script in a child node. */
export async function runCommand(argv: string[]): Promise<number> {
  const { own, rest } = splitAtDoubleDash(argv);
  const { values, positionals } = parseArgs({
    args: own,
    allowPositionals: true,
    options: {
      preset: { type: 'string', default: 'custom' },
      targets: { type: 'string', multiple: true },
      json: { type: 'string' },
      quiet: { type: 'boolean', default: false },
      compact: { type: 'boolean', default: false },
      svg: { type: 'string' },
      gantt: { type: 'string' },
      trace: { type: 'string' },
      'max-nodes': { type: 'string' },
      highlight: { type: 'string' },
      'highlight-exclude': { type: 'string' },
      'min-duration': { type: 'string' },
      html: { type: 'string' },
      'max-spans': { type: 'string' },
      'onnx-ops': { type: 'boolean', default: false },
      probes: { type: 'string' },
      'max-overhead-pct': { type: 'string' },
      'node-arg': { type: 'string', multiple: true },
      'call-main': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(runUsage());
    return 0;
  }
  const command = [...positionals, ...rest];
  if (command[0] === undefined) throw new CliError(`no script given\n\n${runUsage()}`);
  const traced: TracedRunOptions = {
    preset: values.preset!,
    command,
    targets: values.targets ?? [],
    json: values.json,
    quiet: values.quiet,
    maxSpans: values['max-spans'],
    nodeArgs: values['node-arg'] ?? [],
    callMain: values['call-main'],
  };
  validateTracedRun(traced);
  // Settings the child reads in register/process-mode.ts (and OnnxLatency).
  const env: Record<string, string> = {};
  if (values['onnx-ops']) env.STAGESCOPE_ONNX_OPS = '1';
  if (values.probes !== undefined) {
    try {
      parseProbeList(values.probes, '--probes');
    } catch (error) {
      if (error instanceof UnknownProbeError) throw new CliError(error.message.replace(/^stagescope: /, ''));
      throw error;
    }
    env.STAGESCOPE_PROBES = values.probes;
  }
  const maxOverheadPct = values['max-overhead-pct'];
  if (maxOverheadPct !== undefined) {
    const pct = Number(maxOverheadPct);
    if (maxOverheadPct !== 'off' && !(Number.isFinite(pct) && pct > 0)) {
      throw new CliError(`--max-overhead-pct must be a positive number (percent) or "off", got "${maxOverheadPct}"`);
    }
    env.STAGESCOPE_MAX_OVERHEAD_PCT = maxOverheadPct;
  }
  if (values.compact) env.STAGESCOPE_COMPACT = '1';
  const { callGraph, minDuration } = pictureArgs(values);
  // The call graph is drawn here, from the run document the child hands over:
  // the child may exit before Graphviz (async wasm) could load in it.
  const svgFile = values.svg === undefined ? undefined : path.resolve(values.svg);
  const htmlFile = values.html === undefined ? undefined : path.resolve(values.html);
  const handoffDir = svgFile === undefined && htmlFile === undefined ? undefined : mkdtempSync(path.join(os.tmpdir(), 'stagescope-run-'));
  const handoff = handoffDir === undefined ? undefined : path.join(handoffDir, 'run.json');
  if (handoff !== undefined) env.STAGESCOPE_HANDOFF_JSON = handoff;
  if (values['min-duration'] !== undefined) env.STAGESCOPE_MIN_DURATION = values['min-duration'];
  if (values.gantt !== undefined) env.STAGESCOPE_GANTT = path.resolve(values.gantt);
  if (values.trace !== undefined) env.STAGESCOPE_TRACE = path.resolve(values.trace);
  traced.env = env;

  let code: number | null;
  let signal: NodeJS.Signals | null;
  try {
    ({ code, signal } = await spawnTraced(traced));
    if (handoff !== undefined) await drawFromHandoff(handoff, { svg: svgFile, html: htmlFile }, callGraph, minDuration, values.quiet === true, code, signal);
  } finally {
    if (handoffDir !== undefined) rmSync(handoffDir, { recursive: true, force: true });
  }
  if (signal !== null) {
    // Die of the same signal, so a shell or supervisor sees what the script did
    // (the forwarding listeners are gone by now, so the default action applies).
    process.kill(process.pid, signal);
    return 128 + (osSignals[signal] ?? 0);
  }
  return code ?? 1;
}

/**
 * Draw the call graph and the HTML report from the child's run document.
 * Never throws and never changes the exit code: a picture that cannot be
 * drawn is a note on stderr.
 */
async function drawFromHandoff(
  handoff: string,
  files: { svg: string | undefined; html: string | undefined },
  options: DotOptions,
  minDuration: MinDuration | undefined,
  quiet: boolean,
  code: number | null,
  signal: NodeJS.Signals | null,
): Promise<void> {
  let doc;
  try {
    doc = withDefaults(JSON.parse(readFileSync(handoff, 'utf8')) as RunDocument);
  } catch {
    const ended = signal !== null ? `was killed by ${signal}` : `exited with code ${String(code)}`;
    if (files.svg !== undefined)
      process.stderr.write(`stagescope: note: call graph not written to ${files.svg}: the traced process ${ended} before it saved its run\n`);
    if (files.html !== undefined)
      process.stderr.write(`stagescope: note: HTML report not written to ${files.html}: the traced process ${ended} before it saved its run\n`);
    return;
  }
  const minDurationNs = minDuration === undefined ? 0 : resolveMinDurationNs(minDuration, doc);
  try {
    if (files.svg !== undefined) {
      for (const result of await writeOutputs(doc, { svg: files.svg }, { callGraph: { ...options, minDurationNs } })) {
        if (!(quiet && result.status === 'written')) process.stderr.write(`${describeOutputResult(result)}\n`);
      }
    }
    if (files.html !== undefined) {
      const message = await writeHtmlReport(doc, files.html, options);
      if (!(quiet && !message.startsWith('stagescope: error'))) process.stderr.write(`${message}\n`);
    }
  } catch (error) {
    process.stderr.write(`stagescope: error: could not draw the pictures: ${error instanceof Error ? error.message : String(error)}\n`);
  }
}
