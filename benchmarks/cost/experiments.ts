import path from 'node:path';
import type { ChildSpec } from './child.js';
import type { CostSettings } from './settings.js';

/**
 * One experiment: variants that differ only in how (or whether) the work is
 * traced. Each variant is its own child process, so the plain baseline really
 * has no AsyncLocalStorage and no stagescope loaded; within a round the
 * variants take turns (A B C, then C B A next round).
 */
export interface Experiment {
  id: string;
  title: string;
  repeats: number;
  /** Run each variant once, unmeasured, before the first round (file cache, first-ever loads). */
  warmup: boolean;
  variants: Record<string, ChildSpec>;
}

export interface CostPaths {
  repoRoot: string;
  children: string;
  cli: string;
}

const MINUTE_MS = 60_000;

/** The run that makes the bench's code cache (cost.ts): the OCR example under `--import`, once, unmeasured. */
export function codeCacheWarmUp(paths: CostPaths): ChildSpec {
  return {
    args: ['--import', 'stagescope/register/ocr', path.join(paths.repoRoot, 'examples/ocr/paddle-onnx.mjs')],
    env: { STAGESCOPE_QUIET: '1' },
    expectsResult: false,
    runDocument: false,
    timeoutMs: 3 * MINUTE_MS,
  };
}

export function buildExperiments(settings: CostSettings, paths: CostPaths): Experiment[] {
  const child = (file: string): string => path.join(paths.children, file);
  const tinyTargets = child('tiny.targets.json');
  const example = path.join(paths.repoRoot, 'examples/ocr/paddle-onnx.mjs');
  const quiet = { STAGESCOPE_QUIET: '1' };
  const spec = (args: string[], options: Partial<ChildSpec> = {}): ChildSpec => ({
    args,
    expectsResult: true,
    runDocument: false,
    timeoutMs: 3 * MINUTE_MS,
    ...options,
  });
  const wallOnly = { expectsResult: false };
  const tinyArgs = [child('tiny-loop.mjs'), `n=${settings.tinyCalls}`];
  const modelArgs = [child('model-loop.mjs'), `n=${settings.modelCalls}`, `warm=${settings.modelWarmCalls}`];
  const pairedArgs = [child('model-paired.mjs'), `blocks=${settings.pairedBlocks}`, `calls=${settings.pairedCallsPerBlock}`];
  const allocArgs = [child('model-alloc.mjs'), `chunks=${settings.allocChunks}`, `calls=${settings.allocCallsPerChunk}`, `warm=${settings.allocWarmCalls}`];
  const onnxTinyArgs = [child('onnx-tiny-loop.mjs'), `n=${settings.onnxTinyCalls}`];
  const tinyLateArgs = [child('long-tiny-loop.mjs'), `untilMs=${settings.tinyLateUntilMs}`, `lateFromMs=${settings.tinyLateFromMs}`];
  const probeArgs = [child('probe-loop.mjs'), `n=${settings.probeCalls}`];
  const probeSpinArgs = [child('probe-loop.mjs'), `n=${settings.probeSpinCalls}`, `spin=${settings.probeSpinUs}`];
  const ocrArgs = [child('ocr-loop.mjs'), `iterations=${settings.ocrIterations}`];
  const ocrPairedArgs = [child('ocr-paired.mjs'), `iterations=${settings.ocrPairedIterations}`, `warm=${settings.ocrPairedWarmIterations}`];
  // Custom preset with the tiny targets: what a user tracing their own function runs.
  const tinyEnv = (budget: 'off' | 'default'): Record<string, string> => ({
    ...quiet,
    STAGESCOPE_TARGETS: tinyTargets,
    ...(budget === 'off' ? { STAGESCOPE_MAX_OVERHEAD_PCT: 'off' } : {}),
  });
  return [
    {
      id: 'startup',
      title:
        'start-up: bare node vs --import stagescope/register/ocr (and, for reference, an empty --import and the OpenTelemetry SDK), and the CLI on an empty script',
      repeats: settings.repeats.startup,
      warmup: true,
      variants: {
        bare: spec(['-e', '0'], wallOnly),
        import: spec(['--import', 'stagescope/register/ocr', '-e', '0'], wallOnly),
        // Reference: Node's own cost of such a flag, an empty module reached through a package's exports
        // (benchmarks/children/node_modules/bench-empty-register), resolved from the children's folder.
        importEmpty: spec(['--import', 'bench-empty-register/register', '-e', '0'], { ...wallOnly, cwd: paths.children }),
        // Reference: the OpenTelemetry SDK started by --import, the way its Node.js docs start it (otel-sdk-start.mjs).
        otel: spec(['--import', child('otel-sdk-start.mjs'), '-e', '0'], wallOnly),
        empty: spec([child('empty.mjs')], wallOnly),
        cli: spec([paths.cli, 'run', '--preset', 'ocr', '--', child('empty.mjs')], wallOnly),
        // When the script's first statement runs (row 8: start-up shown / measured).
        firstPlain: spec([child('first-statement.mjs')]),
        firstImport: spec(['--import', 'stagescope/register/ocr', child('first-statement.mjs')], { env: quiet, runDocument: true }),
        firstCli: spec([paths.cli, 'run', '--preset', 'ocr', '--', child('first-statement.mjs')], { env: quiet, runDocument: true }),
      },
    },
    {
      id: 'example',
      title: 'examples/ocr/paddle-onnx.mjs: plain vs --import vs CLI (whole process)',
      repeats: settings.repeats.example,
      warmup: false,
      variants: {
        plain: spec([example], wallOnly),
        import: spec(['--import', 'stagescope/register/ocr', example], wallOnly),
        cli: spec([paths.cli, 'run', '--preset', 'ocr', '--', example], wallOnly),
      },
    },
    {
      id: 'module-load',
      title: "loading the PaddleOCR example's libraries (timed inside the process): plain vs Node's module hooks alone vs --import",
      repeats: settings.repeats.moduleLoad,
      warmup: true,
      variants: {
        plain: spec([child('module-load.mjs')]),
        // Pass-through module.registerHooks hooks, no stagescope: Node's own cost of in-thread hooks.
        hooks: spec(['--import', child('passthrough-hooks.mjs'), child('module-load.mjs')]),
        import: spec(['--import', 'stagescope/register/ocr', child('module-load.mjs')], { env: quiet }),
      },
    },
    {
      id: 'model',
      title: `InferenceSession.run (PP-OCR cls) and sharp resize on a 64×64 PNG, ${settings.modelCalls + settings.modelWarmCalls} calls each, default settings`,
      repeats: settings.repeats.model,
      warmup: true,
      variants: {
        plain: spec(modelArgs),
        traced: spec(['--import', 'stagescope/register/ocr', ...modelArgs], { env: quiet, runDocument: true }),
        // Reference: a hand-written AsyncLocalStorage wrapper around the same two methods.
        hand: spec(['--import', child('hand-wrapper.mjs'), ...modelArgs]),
      },
    },
    {
      id: 'model-paired',
      title: `the same calls paired in one process: ${settings.pairedBlocks} pairs of ${settings.pairedCallsPerBlock}-call blocks, wrapped and unwrapped in turn`,
      repeats: settings.repeats.modelPaired,
      warmup: true,
      variants: {
        // With its run document: row 8 sets the OH it reports beside what the pairs measured.
        traced: spec(['--import', 'stagescope/register/ocr', ...pairedArgs], { env: quiet, runDocument: true }),
        // The same process stopped after its warm-up pairs: row 8 takes its OH from
        // the traced variant's, which leaves the OH of the blocks' calls alone.
        tracedWarm: spec(['--import', 'stagescope/register/ocr', ...pairedArgs, 'warm-only'], { env: quiet, runDocument: true }),
        // stagescope without the library hooks: the same two methods from a targets file that names no hook.
        hookless: spec(['--import', 'stagescope/register', ...pairedArgs], { env: { ...quiet, STAGESCOPE_TARGETS: child('hookless.targets.json') } }),
        hand: spec(['--import', child('hand-wrapper.mjs'), ...pairedArgs]),
      },
    },
    {
      id: 'model-alloc',
      title: `the same calls in bytes: JS heap allocated per warm call, ${settings.allocChunks} chunks of ${settings.allocCallsPerChunk} calls after ${settings.allocWarmCalls}, plain vs stagescope vs the hand-written wrapper`,
      repeats: settings.repeats.modelAlloc,
      warmup: false,
      variants: {
        plain: spec(allocArgs),
        traced: spec(['--import', 'stagescope/register/ocr', ...allocArgs], { env: quiet }),
        hand: spec(['--import', child('hand-wrapper.mjs'), ...allocArgs]),
      },
    },
    {
      id: 'onnx-tiny',
      title: `InferenceSession.run on a one-node model (a few µs a call), ${settings.onnxTinyCalls} timed calls, default settings`,
      repeats: settings.repeats.onnxTiny,
      warmup: true,
      variants: {
        plain: spec(onnxTinyArgs),
        traced: spec(['--import', 'stagescope/register/ocr', ...onnxTinyArgs], { env: quiet }),
      },
    },
    {
      id: 'tiny',
      title: `tiny async function, ${settings.tinyCalls} awaited calls: plain (no AsyncLocalStorage) vs an AsyncLocalStorage with a store entered vs a hand-written wrapper vs stagescope vs OpenTelemetry SDK`,
      repeats: settings.repeats.tiny,
      warmup: true,
      variants: {
        plain: spec(tinyArgs),
        // Reference: the same loop with an AsyncLocalStorage and an entered store, no stagescope (tiny-als.mjs).
        als: spec([child('tiny-als.mjs'), `n=${settings.tinyCalls}`]),
        // Reference: the least a tracer keeping a context across the call does, written by hand (tiny-hand.mjs).
        hand: spec([child('tiny-hand.mjs'), `n=${settings.tinyCalls}`]),
        stagescope: spec(['--import', 'stagescope/register', ...tinyArgs], { env: tinyEnv('off'), runDocument: true }),
        'stagescope-default': spec(['--import', 'stagescope/register', ...tinyArgs], { env: tinyEnv('default'), runDocument: true }),
        otel: spec([child('tiny-otel.mjs'), `n=${settings.tinyCalls}`]),
      },
    },
    {
      id: 'tiny-late',
      title: `tiny async function, late in the process: batches of 100,000 awaited calls until the process is ${settings.tinyLateUntilMs} ms old, plain vs stagescope (budget off)`,
      repeats: settings.repeats.tinyLate,
      warmup: false,
      variants: {
        plain: spec(tinyLateArgs),
        stagescope: spec(['--import', 'stagescope/register', ...tinyLateArgs], { env: tinyEnv('off') }),
      },
    },
    {
      id: 'probes',
      title: `probes memory+cpu+disk+network: ${settings.probeCalls} spans of a tiny sync function, budget off`,
      repeats: settings.repeats.probes,
      warmup: true,
      variants: {
        off: spec(['--import', 'stagescope/register', ...probeArgs], { env: tinyEnv('off') }),
        on: spec(['--import', 'stagescope/register', ...probeArgs], { env: { ...tinyEnv('off'), STAGESCOPE_PROBES: 'memory,cpu,disk,network' } }),
        // Calls long enough for readings, with the probes and without them in one process (probe-loop.mjs: paired blocks).
        reading: spec(['--import', 'stagescope/register', ...probeSpinArgs], { env: { ...tinyEnv('off'), STAGESCOPE_PROBES: 'memory,cpu,disk,network' } }),
      },
    },
    {
      id: 'ocr-loop',
      title: `PaddleOCR created once and run ${settings.ocrIterations} times: plain vs --import (default settings) vs the OpenTelemetry SDK around the same calls`,
      repeats: settings.repeats.ocrLoop,
      warmup: false,
      variants: {
        plain: spec(ocrArgs),
        traced: spec(['--import', 'stagescope/register/ocr', ...ocrArgs], { env: quiet, runDocument: true }),
        // Reference: the OpenTelemetry SDK around the same two methods (otel-wrappers.mjs).
        otel: spec(['--import', child('otel-wrappers.mjs'), ...ocrArgs]),
      },
    },
    {
      id: 'ocr-paired',
      title: `the OCR loop's calls paired in one process: ${settings.ocrPairedIterations} reads, each InferenceSession.run and sharp pipeline call run through the wrapper and through the function it wraps, one after the other (default settings)`,
      repeats: settings.repeats.ocrPaired,
      warmup: false,
      variants: {
        traced: spec(['--import', 'stagescope/register/ocr', ...ocrPairedArgs], { env: quiet, runDocument: true }),
        // The same child stopped after its warm-up reads: row 8 takes its OH from the whole run's.
        tracedWarm: spec(['--import', 'stagescope/register/ocr', ...ocrPairedArgs, 'warm-only'], { env: quiet, runDocument: true }),
      },
    },
  ];
}
