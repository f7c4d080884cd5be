import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnTraced } from '../launch/spawn-traced.js';
import { validateTracedRun, type TracedRunOptions } from '../launch/traced-run-options.js';
import { assertRunDocument, type RunDocument } from '../core/run-document.js';
import { commandLabel } from './compare-runs.js';
import { packageVersion } from '../paths.js';
import { checked } from '../presets/options/preset-fields.js';
import { RUN_OPTIONS, type RunSettings } from '../presets/options/run-options.js';
import { BENCH_FORMAT, summarizeRuns, type BenchDocument } from './bench-document.js';
import type { BenchProgress } from './bench-progress.js';
import { StagescopeError } from '../core/errors.js';

/** One thing to benchmark: a script and its arguments. */
export interface BenchVariantSpec {
  /** `[script, ...args]`. */
  command: string[];
  /** Name in tables; default the script's file name and its arguments. */
  label?: string;
}

export interface BenchOptions {
  /** Preset name, as for `stagescope run --preset`. Default `custom` (then `targets` is required). */
  preset?: string;
  /** The script to benchmark (`[script, ...args]`); or give `variants`. */
  command?: string[];
  /** One or two variants; two are run interleaved (A, B, A, B, …) and can be compared. */
  variants?: BenchVariantSpec[];
  /** Extra target files. */
  targets?: string[];
  /** Measured runs per variant. Default 10. */
  repeat?: number;
  /** Runs per variant before measuring, discarded (disk cache, JIT of the loader). Default 1. */
  warmup?: number;
  /** Arguments for node itself. */
  nodeArgs?: string[];
  /** Ring buffer size per run. */
  maxSpans?: number;
  /** Working directory of the runs. Default this process's. */
  cwd?: string;
  /** Let the script's stdout/stderr through (default false: only shown when a run fails). */
  showOutput?: boolean;
  /** Called after every child run. */
  onProgress?: BenchProgress;
}

/** A benchmarked run exited with an error (code `SS_ERR_BENCH_RUN_FAILED`); the message holds the end of its stderr. */
export class BenchRunError extends StagescopeError {
  override readonly name = 'BenchRunError';
  constructor(message: string, options?: ErrorOptions) {
    super('SS_ERR_BENCH_RUN_FAILED', message, options);
  }
}

/**
 * Run a script (or two) repeatedly under a preset, each run in a fresh
 * `node --import stagescope/register` child exactly like `stagescope run`,
 * and collect the run documents into a `stagescope.bench/1` document with
 * per-path median, p95, min, max and IQR.
 *
 * Two variants are interleaved A, B, A, B … so that slow drift of the machine
 * (thermal throttling, another job starting) hits both alike instead of
 * biasing whichever ran second.
 *
 * @example
 * const doc = await benchScript({ preset: 'onnx', repeat: 5, variants: [
 *   { command: ['examples/compare/paddle-opt-level.mjs', 'disabled'] },
 *   { command: ['examples/compare/paddle-opt-level.mjs', 'all'] },
 * ] });
 * console.log(compareBenchVariants(doc).summary);
 */
export async function benchScript(options: BenchOptions): Promise<BenchDocument> {
  const preset = options.preset ?? 'custom';
  const repeat = options.repeat ?? 10;
  const warmup = options.warmup ?? 1;
  if (!Number.isInteger(repeat) || repeat < 1) throw new RangeError(`bench: repeat must be an integer ≥ 1, got ${repeat}`);
  if (!Number.isInteger(warmup) || warmup < 0) throw new RangeError(`bench: warmup must be an integer ≥ 0, got ${warmup}`);
  const specs = options.variants ?? (options.command === undefined ? [] : [{ command: options.command }]);
  if (specs.length < 1 || specs.length > 2) throw new RangeError(`bench: give one command, or variants with one or two commands (got ${specs.length})`);
  const settings: RunSettings = {
    preset,
    targets: options.targets ?? [],
    quiet: true,
    maxSpans: checked(RUN_OPTIONS.maxSpans, options.maxSpans),
    nodeArgs: options.nodeArgs ?? [],
  };
  const base: Omit<TracedRunOptions, 'command'> = {
    settings,
    cwd: options.cwd,
    stdio: options.showOutput === true ? 'inherit' : ['ignore', 'ignore', 'pipe'],
  };
  for (const spec of specs) validateTracedRun({ ...base, command: spec.command });
  const labels = variantLabels(specs);

  const dir = mkdtempSync(path.join(os.tmpdir(), 'stagescope-bench-'));
  const runs: RunDocument[][] = specs.map(() => []);
  const startedAt = new Date().toISOString();
  const total = (warmup + repeat) * specs.length;
  let done = 0;
  try {
    for (let round = 0; round < warmup + repeat; round++) {
      for (const [index, spec] of specs.entries()) {
        const json = path.join(dir, `run-${index}-${round}.json`);
        const result = await spawnTraced({ ...base, command: spec.command, settings: { ...settings, json } });
        if (result.signal !== null) throw new BenchRunError(`bench: ${labels[index]} was stopped by ${result.signal} (run ${round + 1})`);
        if (result.code !== 0) {
          const tail = result.stderr.trim().split('\n').slice(-15).join('\n');
          throw new BenchRunError(
            `bench: ${labels[index]} exited with code ${result.code} (run ${round + 1}); a benchmark needs runs that succeed${tail === '' ? '' : `. Its stderr ended with:\n${tail}`}`,
          );
        }
        const run = readRunFile(json, labels[index]!);
        done += 1;
        options.onProgress?.({ done, total, variantLabel: labels[index]!, warmup: round < warmup, durationNs: run.durationNs });
        if (round >= warmup) runs[index]!.push(run);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return {
    format: BENCH_FORMAT,
    startedAt,
    repeat,
    warmup,
    schedule: specs.length > 1 ? 'interleaved' : 'sequential',
    environment: { node: process.version, platform: process.platform, arch: process.arch, stagescope: packageVersion },
    variants: specs.map((spec, index) => ({ label: labels[index]!, preset, command: spec.command, runs: runs[index]!, summary: summarizeRuns(runs[index]!) })),
  };
}

/** Default labels: the script and its arguments; if both variants would read the same, A and B. */
function variantLabels(specs: readonly BenchVariantSpec[]): string[] {
  const labels = specs.map((spec) => spec.label ?? commandLabel(spec.command));
  if (labels.length === 2 && labels[0] === labels[1]) return labels.map((label, index) => `${index === 0 ? 'A' : 'B'}: ${label}`);
  return labels;
}

function readRunFile(file: string, label: string): RunDocument {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new BenchRunError(`bench: ${label} exited without writing its run document (${(error as Error).message}); does the script exit by itself?`);
  }
  assertRunDocument(value, file);
  return value;
}
