import path from 'node:path';
import { BENCH_FORMAT, summarizeRuns, type BenchDocument, type BenchRow, type BenchVariant } from '../bench/bench-document.js';
import { RUN_FORMAT, type RunDocument } from '../core/run-document.js';
import type { MeasureIdentity } from './stage-paths.js';
import { mannWhitneyU } from './stats.js';

/** What can be compared: one run, several runs of the same thing, or a bench document / variant. */
export type Comparable = RunDocument | readonly RunDocument[] | BenchDocument | BenchVariant;

export interface CompareOptions {
  /** A difference smaller than this percentage of A is never "changed". Default 10. */
  thresholdPercent?: number;
  /** A difference smaller than this is never "changed" (timer and scheduler jitter). Default 1 ms. */
  minDeltaNs?: number;
  /** Significance level of the Mann-Whitney U test when both sides have repeated runs. Default 0.05. */
  alpha?: number;
  /** Name of side A in tables and charts. Default: the variant label or the script name and arguments. */
  labelA?: string;
  /** Name of side B. */
  labelB?: string;
}

export interface ResolvedCompareOptions {
  thresholdPercent: number;
  minDeltaNs: number;
  alpha: number;
}

export const DEFAULT_COMPARE_OPTIONS: Readonly<ResolvedCompareOptions> = { thresholdPercent: 10, minDeltaNs: 1e6, alpha: 0.05 };

/** slower/faster = changed beyond noise; unchanged = within noise; added/removed = only in B / only in A. */
export type Verdict = 'slower' | 'faster' | 'unchanged' | 'added' | 'removed';

/**
 * How a row's noise was judged:
 * - `mann-whitney`: both sides have enough runs for a two-sided Mann-Whitney U test to reach `alpha`;
 * - `no-overlap`: repeated runs, but too few for the test to ever reach `alpha`
 *   (3 vs 3 runs: p ≥ 0.1): the samples must not overlap at all;
 * - `threshold-only`: one run per side: noise cannot be estimated, only the threshold applies.
 */
export type NoiseMethod = 'mann-whitney' | 'no-overlap' | 'threshold-only';

/** One side of a row: statistics over that side's runs. */
export interface ComparisonSide {
  /** Median over runs of the path's summed duration (the value itself for a single run). */
  medianNs: number;
  minNs: number;
  maxNs: number;
  /** p75 − p25 over runs (0 for a single run). */
  iqrNs: number;
  samplesNs: number[];
  /** Median calls per run. */
  calls: number;
}

export interface ComparisonRow extends MeasureIdentity {
  /** null when the path never occurred on that side. */
  a: ComparisonSide | null;
  b: ComparisonSide | null;
  /** median B − median A (a missing side counts as 0). */
  deltaNs: number;
  /** median B / median A (NaN when A is 0 or missing). */
  ratio: number;
  verdict: Verdict;
  /** verdict is not `unchanged`. */
  changed: boolean;
  noiseMethod: NoiseMethod;
  /** Mann-Whitney p-value when computed. */
  pValue: number | null;
  /** One short sentence: why the verdict. */
  reason: string;
}

/** The result of {@link compareRuns}: rows plus everything a renderer needs to explain them. */
export interface Comparison {
  labelA: string;
  labelB: string;
  runsA: number;
  runsB: number;
  options: ResolvedCompareOptions;
  /** The method of the total row (all rows use the same sample sizes). */
  noiseMethod: NoiseMethod;
  /** Rows: total, stages in pipeline order, then call paths in tree order. */
  rows: ComparisonRow[];
  /** One line, e.g. `recognition +38%, total +12%`. */
  summary: string;
  /** How noise was judged and what that means, for the reader of the table. */
  notes: string[];
}

interface Side {
  label: string;
  runs: number;
  rows: Map<string, BenchRow>;
  order: string[];
}

/**
 * Align two runs (or two sets of repeated runs) by stage and call path and
 * decide, row by row, whether B differs from A beyond noise.
 *
 * A row is **changed** when both hold:
 * 1. the difference of medians is at least `thresholdPercent` of A and at
 *    least `minDeltaNs` (smaller differences do not matter in practice, and
 *    a single run cannot tell them from noise);
 * 2. the difference is real given the spread of the repeated runs: a
 *    two-sided Mann-Whitney U test gives p < `alpha`; with too few runs for
 *    the test to reach `alpha` (e.g. 3 vs 3), the runs of A and B must not
 *    overlap at all; with a single run per side there is no noise estimate
 *    and only rule 1 applies (the notes say so).
 *
 * @example
 * const cmp = compareRuns(readRun('a.json'), readRun('b.json'));
 * console.log(cmp.summary); // "recognition +38%, total +12%"
 */
export function compareRuns(a: Comparable, b: Comparable, options: CompareOptions = {}): Comparison {
  const resolved = resolveCompareOptions(options);
  const sideA = toSide(a, options.labelA, 'A');
  const sideB = toSide(b, options.labelB, 'B');
  const rows = mergedOrder(sideA.order, sideB.order).map((key) => compareRow(key, sideA.rows.get(key), sideB.rows.get(key), resolved));
  const total = rows.find((row) => row.kind === 'total');
  const noiseMethod = total?.noiseMethod ?? methodFor(sideA.runs, sideB.runs, resolved.alpha);
  return {
    labelA: sideA.label,
    labelB: sideB.label,
    runsA: sideA.runs,
    runsB: sideB.runs,
    options: resolved,
    noiseMethod,
    rows,
    summary: summaryLine(rows),
    notes: notesFor(noiseMethod, sideA.runs, sideB.runs, resolved),
  };
}

/**
 * Compare the two variants of a `bench -- a -- vs -- b` document (A = first).
 *
 * @example
 * const cmp = compareBenchVariants(JSON.parse(readFileSync('ab.json', 'utf8')));
 */
export function compareBenchVariants(doc: BenchDocument, options: CompareOptions = {}): Comparison {
  const [a, b] = doc.variants;
  if (a === undefined || b === undefined || doc.variants.length !== 2) {
    throw new Error(`compare: a bench document needs exactly 2 variants to be compared on its own, this one has ${doc.variants.length}`);
  }
  return compareRuns(a, b, options);
}

export function resolveCompareOptions(options: CompareOptions): ResolvedCompareOptions {
  const resolved = {
    thresholdPercent: options.thresholdPercent ?? DEFAULT_COMPARE_OPTIONS.thresholdPercent,
    minDeltaNs: options.minDeltaNs ?? DEFAULT_COMPARE_OPTIONS.minDeltaNs,
    alpha: options.alpha ?? DEFAULT_COMPARE_OPTIONS.alpha,
  };
  if (!(resolved.thresholdPercent >= 0) || !Number.isFinite(resolved.thresholdPercent)) {
    throw new RangeError(`compare: thresholdPercent must be a number ≥ 0 (a percentage of A, e.g. 10), got ${options.thresholdPercent}`);
  }
  if (!(resolved.minDeltaNs >= 0)) throw new RangeError(`compare: minDeltaNs must be ≥ 0 (nanoseconds), got ${options.minDeltaNs}`);
  if (!(resolved.alpha > 0 && resolved.alpha < 1)) throw new RangeError(`compare: alpha must be between 0 and 1 (e.g. 0.05), got ${options.alpha}`);
  return resolved;
}

function toSide(input: Comparable, label: string | undefined, fallback: string): Side {
  let runs: readonly RunDocument[];
  let defaultLabel: string;
  let summary: BenchRow[] | undefined;
  if (Array.isArray(input)) {
    runs = input as readonly RunDocument[];
    defaultLabel = runs[0] === undefined ? fallback : commandLabel(runs[0].command);
  } else if ((input as RunDocument).format === RUN_FORMAT) {
    runs = [input as RunDocument];
    defaultLabel = commandLabel((input as RunDocument).command);
  } else if ((input as BenchDocument).format === BENCH_FORMAT) {
    const doc = input as BenchDocument;
    if (doc.variants.length !== 1) {
      throw new Error(`compare: this bench document has ${doc.variants.length} variants (${doc.variants.map((v) => v.label).join(', ')}); pass a single variant (doc.variants[i]) or use compareBenchVariants(doc)`);
    }
    const variant = doc.variants[0]!;
    ({ runs, summary } = variant);
    defaultLabel = variant.label;
  } else if (Array.isArray((input as BenchVariant).runs)) {
    const variant = input as BenchVariant;
    ({ runs, summary } = variant);
    defaultLabel = variant.label;
  } else {
    throw new Error(`compare: side ${fallback} is neither a run document (${RUN_FORMAT}) nor a bench document (${BENCH_FORMAT})`);
  }
  if (runs.length === 0) throw new Error(`compare: side ${fallback} has no runs`);
  // Recompute rather than trust a stored summary: the runs are the data.
  const rows = summary !== undefined && summary.length > 0 && summary.every((row) => row.samplesNs.length === runs.length) ? summary : summarizeRuns(runs);
  return { label: label ?? defaultLabel, runs: runs.length, rows: new Map(rows.map((row) => [row.key, row])), order: rows.map((row) => row.key) };
}

/** `paddle-opt-level.mjs all` from `["examples/compare/paddle-opt-level.mjs", "all"]`. */
export function commandLabel(command: readonly string[]): string {
  const [script, ...args] = command;
  if (script === undefined) return 'run';
  return [path.basename(script), ...args].join(' ');
}

/** A's order, with rows only B has inserted after the row that precedes them in B. */
function mergedOrder(orderA: readonly string[], orderB: readonly string[]): string[] {
  const merged = [...orderA];
  const seen = new Set(merged);
  let cursor = -1;
  for (const key of orderB) {
    if (seen.has(key)) {
      cursor = merged.indexOf(key);
      continue;
    }
    merged.splice(cursor + 1, 0, key);
    seen.add(key);
    cursor += 1;
  }
  // Keep the kinds grouped (total, stages, paths) even if B brought a new stage.
  const rank = (key: string): number => (key === 'total' ? 0 : key.startsWith('stage:') ? 1 : 2);
  return merged.map((key, index) => ({ key, index })).sort((x, y) => rank(x.key) - rank(y.key) || x.index - y.index).map((entry) => entry.key);
}

function methodFor(runsA: number, runsB: number, alpha: number): NoiseMethod {
  if (runsA < 2 && runsB < 2) return 'threshold-only';
  const minP = mannWhitneyU(new Array<number>(runsA).fill(0).map((_, i) => i), new Array<number>(runsB).fill(0).map((_, i) => runsA + i)).minPValue;
  return minP < alpha ? 'mann-whitney' : 'no-overlap';
}

function sideOf(row: BenchRow): ComparisonSide {
  return { medianNs: row.medianNs, minNs: row.minNs, maxNs: row.maxNs, iqrNs: row.iqrNs, samplesNs: row.samplesNs, calls: row.calls };
}

function compareRow(key: string, rowA: BenchRow | undefined, rowB: BenchRow | undefined, options: ResolvedCompareOptions): ComparisonRow {
  const any = (rowA ?? rowB)!;
  // A path that never occurred on one side has no row there (a path present in only some runs is 0 in the others).
  const a = rowA === undefined ? null : sideOf(rowA);
  const b = rowB === undefined ? null : sideOf(rowB);
  const medianA = a?.medianNs ?? 0;
  const medianB = b?.medianNs ?? 0;
  const deltaNs = medianB - medianA;
  const ratio = medianA > 0 ? medianB / medianA : Number.NaN;
  const base = { key, kind: any.kind, label: any.label, names: any.names, depth: any.depth, stage: any.stage, a, b, deltaNs, ratio };
  const runsA = rowA?.samplesNs.length ?? 1;
  const runsB = rowB?.samplesNs.length ?? 1;
  if (a === null || b === null) {
    return { ...base, verdict: a === null ? 'added' : 'removed', changed: true, noiseMethod: methodFor(runsA, runsB, options.alpha), pValue: null, reason: a === null ? 'only in B' : 'only in A' };
  }
  const threshold = Math.max((options.thresholdPercent / 100) * medianA, options.minDeltaNs);
  const practical = Math.abs(deltaNs) >= threshold;
  const noiseMethod = methodFor(a.samplesNs.length, b.samplesNs.length, options.alpha);
  let pValue: number | null = null;
  let real: boolean;
  let why: string;
  if (noiseMethod === 'mann-whitney') {
    pValue = mannWhitneyU(a.samplesNs, b.samplesNs).pValue;
    real = pValue < options.alpha;
    why = `Mann-Whitney p=${formatP(pValue)}`;
  } else if (noiseMethod === 'no-overlap') {
    real = a.maxNs < b.minNs || b.maxNs < a.minNs;
    why = real ? 'runs do not overlap' : 'runs overlap';
  } else {
    real = true;
    why = 'single run';
  }
  const changed = practical && real;
  const limit = `${trimNumber(options.thresholdPercent)}% / ${trimNumber(options.minDeltaNs / 1e6)} ms`;
  const reason = !practical ? `under ${limit}` : why;
  return { ...base, verdict: changed ? (deltaNs > 0 ? 'slower' : 'faster') : 'unchanged', changed, noiseMethod, pValue, reason };
}

/** `+38%`, `-4.2%`, `new`, `gone`. */
export function formatChange(row: Pick<ComparisonRow, 'a' | 'b' | 'deltaNs' | 'ratio'>): string {
  if (row.a === null) return 'new';
  if (row.b === null) return 'gone';
  if (!Number.isFinite(row.ratio)) return row.deltaNs === 0 ? '0%' : 'n/a';
  const percent = (row.ratio - 1) * 100;
  const digits = Math.abs(percent) < 10 ? 1 : 0;
  const text = percent.toFixed(digits);
  return `${percent >= 0 && !text.startsWith('-') ? '+' : ''}${text === '-0.0' ? '0.0' : text}%`;
}

function summaryLine(rows: readonly ComparisonRow[]): string {
  const changedStages = rows
    .filter((row) => row.kind === 'stage' && row.changed)
    .sort((x, y) => Math.abs(y.deltaNs) - Math.abs(x.deltaNs))
    .map((row) => (row.verdict === 'added' ? `${row.label} only in B` : row.verdict === 'removed' ? `${row.label} only in A` : `${row.label} ${formatChange(row)}`));
  const total = rows.find((row) => row.kind === 'total');
  const totalText = total === undefined ? '' : `total ${formatChange(total)}${total.changed ? '' : ' (within noise)'}`;
  if (changedStages.length === 0) {
    const changedPaths = rows.filter((row) => row.kind === 'path' && row.changed).length;
    const head = changedPaths === 0 ? 'nothing changed beyond noise' : `none of the stages changed beyond noise (${changedPaths} call path${changedPaths === 1 ? '' : 's'} did)`;
    return totalText === '' ? head : `${head}; ${totalText}`;
  }
  return [...changedStages, totalText].filter((part) => part !== '').join(', ');
}

function notesFor(method: NoiseMethod, runsA: number, runsB: number, options: ResolvedCompareOptions): string[] {
  const limit = `${trimNumber(options.thresholdPercent)}% of A and ${trimNumber(options.minDeltaNs / 1e6)} ms`;
  const values = runsA > 1 || runsB > 1 ? `Values are medians over runs (A: ${runsA}, B: ${runsB}); a path's value is the sum of its calls in a run.` : "A path's value is the sum of its calls' durations.";
  switch (method) {
    case 'threshold-only':
      return [
        values,
        `A single run per side cannot estimate noise: differences under ${limit} are reported as within noise, and larger ones may still be noise.`,
        'Run `stagescope bench --repeat 10` on both sides for a noise estimate.',
      ];
    case 'no-overlap':
      return [values, `Changed = at least ${limit} apart, and the runs of A and B do not overlap at all (too few runs for a significance test at p < ${options.alpha}; use --repeat 5 or more).`];
    case 'mann-whitney':
      return [values, `Changed = at least ${limit} apart, and a two-sided Mann-Whitney U test on the runs gives p < ${options.alpha}.`];
  }
}

export function formatP(pValue: number): string {
  return pValue < 0.001 ? pValue.toExponential(1) : pValue.toFixed(3);
}

function trimNumber(value: number): string {
  return Number(value.toPrecision(6)).toString();
}
