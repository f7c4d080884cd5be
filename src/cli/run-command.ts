import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os, { constants } from 'node:os';
import path from 'node:path';
import type { RunDocument } from '../core/run-document.js';
import { toPresetOptions } from '../presets/options/preset-fields.js';
import type { DotOptions } from '../render/call-graph/dot.js';
import { resolveMinDurationNs, type MinDuration } from '../render/min-duration.js';
import { CliError } from '../core/cli-error.js';
import { customWithoutTargetsNote, parseRunArgs, runUsage } from '../launch/run-args.js';
import { spawnTraced } from '../launch/spawn-traced.js';
import { validateTracedRun, type TracedRunOptions } from '../launch/traced-run-options.js';

const osSignals: Partial<Record<string, number>> = constants.signals;

/**
 * `stagescope run` in a child node: validate options here (fail fast), trace
 * the script in a child `node --import stagescope/register`, draw the pictures
 * from the run document it hands over, and exit as it exited. cli/main.ts
 * comes here when the run needs the child (launch/run-args.ts,
 * `needsChildProcess`); otherwise the script runs in the CLI's own process
 * (register/cli-run-mode.ts).
 */
export async function runCommand(argv: string[]): Promise<number> {
  const { help, command, settings } = parseRunArgs(argv);
  if (help) {
    process.stdout.write(runUsage());
    return 0;
  }
  if (command[0] === undefined) throw new CliError(`no script given\n\n${runUsage()}`);
  // The call graph and the HTML report are drawn here, from the run document the
  // child hands over: the child may exit before Graphviz (async wasm) could load in it.
  const { svg, html, ...childSettings } = settings;
  const traced: TracedRunOptions = { command, settings: childSettings };
  const note = customWithoutTargetsNote(settings, validateTracedRun(traced));
  if (note !== undefined) process.stderr.write(note);
  const svgFile = svg === undefined ? undefined : path.resolve(svg);
  const htmlFile = html === undefined ? undefined : path.resolve(html);
  const handoffDir = svgFile === undefined && htmlFile === undefined ? undefined : mkdtempSync(path.join(os.tmpdir(), 'stagescope-run-'));
  const handoff = handoffDir === undefined ? undefined : path.join(handoffDir, 'run.json');
  if (handoff !== undefined) childSettings.handoffJson = handoff;
  const callGraph = toPresetOptions(settings).callGraph ?? {};

  let code: number | null;
  let signal: NodeJS.Signals | null;
  try {
    ({ code, signal } = await spawnTraced(traced));
    if (handoff !== undefined)
      await drawFromHandoff(handoff, { svg: svgFile, html: htmlFile }, callGraph, settings.minDuration, settings.quiet === true, code, signal);
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
  // The drawing code (renderers, Graphviz, the HTML report) is loaded only here,
  // after the script ran, and only when a picture was asked for: not on every
  // traced run's start-up.
  const [{ withDefaults }, { describeOutputResult, writeOutputs }, { writeHtmlReportFile }] = await Promise.all([
    import('./render-command.js'),
    import('../render/write-outputs.js'),
    import('./report-command.js'),
  ]);
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
      const result = await writeHtmlReportFile(doc, files.html, options);
      if (!(quiet && result.written)) process.stderr.write(`${result.line}\n`);
    }
  } catch (error) {
    process.stderr.write(`stagescope: error: could not draw the pictures: ${error instanceof Error ? error.message : String(error)}\n`);
  }
}
