import { assertRunDocument, type RunDocument } from '../core/run-document.js';
import { measureRun, type MeasureIdentity } from './stage-paths.js';
import { summarizeSamples, type SampleSummary } from './stats.js';
import { documentError } from '../core/errors.js';

export const BENCH_FORMAT = 'stagescope.bench/1';

/** Statistics of one stage path over the measured runs of a variant. */
export interface BenchRow extends SampleSummary, MeasureIdentity {
  /** Summed duration of the path in each run, in run order (0 when the path did not occur in a run). */
  samplesNs: number[];
  /** Median number of calls per run. */
  calls: number;
}

/** One script + arguments, benchmarked `repeat` times. */
export interface BenchVariant {
  /** Short name used in tables (`A`/`B` column headers, chart legend). */
  label: string;
  preset: string | null;
  command: string[];
  /** The measured runs (warm-up runs are not kept). */
  runs: RunDocument[];
  summary: BenchRow[];
}

/**
 * `stagescope.bench/1`: what `stagescope bench --json` writes and `compare`
 * reads. One variant for `bench -- script`, two for `bench -- a -- vs -- b`.
 */
export interface BenchDocument {
  format: typeof BENCH_FORMAT;
  startedAt: string;
  repeat: number;
  warmup: number;
  /** `interleaved` (A, B, A, B …: slow drift of the machine hits both alike) or `sequential` (one variant). */
  schedule: 'interleaved' | 'sequential';
  environment: { node: string; platform: string; arch: string; stagescope: string };
  variants: BenchVariant[];
}

/**
 * Per-path statistics over several runs of the same script. A path missing
 * from a run counts as 0 in that run, so a stage that only sometimes runs
 * shows that in its spread instead of disappearing.
 */
export function summarizeRuns(runs: readonly RunDocument[]): BenchRow[] {
  const rows = new Map<string, BenchRow>();
  const calls = new Map<string, number[]>();
  runs.forEach((run, index) => {
    for (const measure of measureRun(run)) {
      let row = rows.get(measure.key);
      if (row === undefined) {
        row = {
          key: measure.key,
          kind: measure.kind,
          label: measure.label,
          names: measure.names,
          depth: measure.depth,
          stage: measure.stage,
          samplesNs: new Array<number>(runs.length).fill(0),
          calls: 0,
          ...summarizeSamples([]),
        };
        rows.set(measure.key, row);
        calls.set(measure.key, new Array<number>(runs.length).fill(0));
      }
      row.samplesNs[index] = measure.durationNs;
      calls.get(measure.key)![index] = measure.calls;
    }
  });
  for (const row of rows.values()) {
    Object.assign(row, summarizeSamples(row.samplesNs));
    const sortedCalls = [...calls.get(row.key)!].sort((a, b) => a - b);
    row.calls = sortedCalls[Math.floor(sortedCalls.length / 2)] ?? 0;
  }
  return [...rows.values()];
}

/** Validate a parsed JSON value as a bench document; throws a StagescopeError (`SS_ERR_DOCUMENT_INVALID`) naming what is wrong. */
export function assertBenchDocument(value: unknown, source: string): asserts value is BenchDocument {
  const doc = value as Partial<BenchDocument> | null;
  if (doc === null || typeof doc !== 'object') throw documentError(`${source}: not a stagescope bench document (not a JSON object)`);
  if (doc.format !== BENCH_FORMAT) {
    throw documentError(`${source}: not a stagescope bench document (format is ${JSON.stringify(doc.format)}, expected "${BENCH_FORMAT}")`);
  }
  if (!Array.isArray(doc.variants) || doc.variants.length === 0) throw documentError(`${source}: bench document has no "variants"`);
  doc.variants.forEach((variant, v) => {
    if (!Array.isArray(variant?.runs) || variant.runs.length === 0) throw documentError(`${source}: variants[${v}] has no runs`);
    variant.runs.forEach((run, r) => assertRunDocument(run, `${source}: variants[${v}].runs[${r}]`));
  });
}
