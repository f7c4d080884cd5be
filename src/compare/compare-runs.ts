import path from 'node:path';
import { BENCH_FORMAT, summarizeRuns, type BenchDocument, type BenchRow, type BenchVariant } from './bench-document.js';
import { RUN_FORMAT, type RunDocument } from '../core/run-document.js';
import type { MeasureIdentity } from './stage-paths.js';
import { hodgesLehmannShift, holmAdjust, mannWhitneyU, runsNeeded, smallestPValue, type ShiftEstimate } from './stats.js';

/** What can be compared: one run, several runs of the same thing, or a bench document / variant. */
export type Comparable = RunDocument | readonly RunDocument[] | BenchDocument | BenchVariant;

export interface CompareOptions {
  /** A difference smaller than this percentage of A is never "changed". Default 10. */
  thresholdPercent?: number;
  /** A difference smaller than this is never "changed" (timer and scheduler jitter). Default 1 ms. */
  minDeltaNs?: number;
  /**
   * Family-wise error over all rows (Holm correction of the rows' Mann-Whitney
   * p-values), and 1 − confidence of the effect-size intervals. Default 0.05.
   */
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

/**
 * slower/faster = changed beyond noise; unchanged = under the threshold, or
 * within noise with enough runs to have seen a change; inconclusive = at least
 * the threshold apart but too few runs to tell it from noise; added/removed =
 * only in B / only in A.
 */
export type Verdict = 'slower' | 'faster' | 'unchanged' | 'inconclusive' | 'added' | 'removed';

/**
 * How a row's noise was judged:
 * - `mann-whitney`: both sides have enough runs for a two-sided Mann-Whitney U
 *   test to reach `alpha`; the p-values of all rows are then corrected together
 *   (Holm), because a comparison tests many rows at once;
 * - `too-few-runs`: one run per side, or so few (3 vs 3: p ≥ 0.1) that no
 *   difference could be shown: no row is called changed, large differences are
 *   `inconclusive`.
 */
export type NoiseMethod = 'mann-whitney' | 'too-few-runs';

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
  /** The p-value after the Holm correction over all tested rows. */
  adjustedPValue: number | null;
  /**
   * Effect size: Hodges-Lehmann shift of B against A (median of pairwise run
   * differences) with its rank-based confidence interval (level 1 − alpha);
   * null without repeated runs on both sides.
   */
  shift: ShiftEstimate | null;
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
  /** Rows tested together (both sides present, enough runs): the family of the correction. */
  testedRows: number;
  /** Runs per side with which one changed row among these could pass the corrected test. */
  runsNeeded: number;
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
  const keys = mergedOrder(sideA.order, sideB.order);
  const tested = keys.map((key) => testRow(key, sideA.rows.get(key), sideB.rows.get(key), resolved));
  // One correction over every row that was tested: total, stages and paths together.
  const family = tested.filter((row) => row.pValue !== null);
  const adjusted = holmAdjust(family.map((row) => row.pValue!));
  family.forEach((row, index) => (row.adjustedPValue = adjusted[index]!));
  const needed = runsNeeded(family.length, resolved.alpha);
  const rows = tested.map((row) => decide(row, resolved, family.length, needed));
  const total = rows.find((row) => row.kind === 'total');
  const noiseMethod = total?.noiseMethod ?? methodFor(sideA.runs, sideB.runs, resolved.alpha);
  return {
    labelA: sideA.label,
    labelB: sideB.label,
    runsA: sideA.runs,
    runsB: sideB.runs,
    options: resolved,
    noiseMethod,
    testedRows: family.length,
    runsNeeded: needed,
    rows,
    summary: summaryLine(rows),
    notes: notesFor(noiseMethod, sideA.runs, sideB.runs, resolved, family.length, needed),
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
      throw new Error(
        `compare: this bench document has ${doc.variants.length} variants (${doc.variants.map((v) => v.label).join(', ')}); pass a single variant (doc.variants[i]) or use compareBenchVariants(doc)`,
      );
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
  return merged
    .map((key, index) => ({ key, index }))
    .sort((x, y) => rank(x.key) - rank(y.key) || x.index - y.index)
    .map((entry) => entry.key);
}

/** Enough runs when complete separation of the runs would pass `alpha` on its own (4 vs 4 or more). */
function methodFor(runsA: number, runsB: number, alpha: number): NoiseMethod {
  return smallestPValue(runsA, runsB) < alpha ? 'mann-whitney' : 'too-few-runs';
}

function sideOf(row: BenchRow): ComparisonSide {
  return { medianNs: row.medianNs, minNs: row.minNs, maxNs: row.maxNs, iqrNs: row.iqrNs, samplesNs: row.samplesNs, calls: row.calls };
}

/** A row before its verdict: sides, delta, raw p-value and effect size. */
type TestedRow = Omit<ComparisonRow, 'verdict' | 'changed' | 'reason'> & { practical: boolean; limit: string };

function testRow(key: string, rowA: BenchRow | undefined, rowB: BenchRow | undefined, options: ResolvedCompareOptions): TestedRow {
  const any = (rowA ?? rowB)!;
  // A path that never occurred on one side has no row there (a path present in only some runs is 0 in the others).
  const a = rowA === undefined ? null : sideOf(rowA);
  const b = rowB === undefined ? null : sideOf(rowB);
  const medianA = a?.medianNs ?? 0;
  const medianB = b?.medianNs ?? 0;
  const deltaNs = medianB - medianA;
  const ratio = medianA > 0 ? medianB / medianA : Number.NaN;
  const runsA = rowA?.samplesNs.length ?? 1;
  const runsB = rowB?.samplesNs.length ?? 1;
  const noiseMethod = methodFor(runsA, runsB, options.alpha);
  const threshold = Math.max((options.thresholdPercent / 100) * medianA, options.minDeltaNs);
  const limit = `${trimNumber(options.thresholdPercent)}% / ${trimNumber(options.minDeltaNs / 1e6)} ms`;
  const base = { key, kind: any.kind, label: any.label, names: any.names, depth: any.depth, stage: any.stage, a, b, deltaNs, ratio, noiseMethod, limit };
  if (a === null || b === null) return { ...base, pValue: null, adjustedPValue: null, shift: null, practical: true };
  const repeated = a.samplesNs.length > 1 && b.samplesNs.length > 1;
  return {
    ...base,
    pValue: noiseMethod === 'mann-whitney' ? mannWhitneyU(a.samplesNs, b.samplesNs).pValue : null,
    adjustedPValue: null,
    shift: repeated ? hodgesLehmannShift(a.samplesNs, b.samplesNs, 1 - options.alpha) : null,
    practical: Math.abs(deltaNs) >= threshold,
  };
}

/**
 * The verdict of one row. Changed needs both: a difference that matters (the
 * threshold) and one that is real (corrected p < alpha). A large difference the
 * runs cannot confirm is `inconclusive`, never "beyond noise"; "within noise"
 * is said only when the runs could have shown a change and did not.
 */
function decide(row: TestedRow, options: ResolvedCompareOptions, testedRows: number, needed: number): ComparisonRow {
  const { practical, limit, ...rest } = row;
  if (row.a === null || row.b === null) {
    return { ...rest, verdict: row.a === null ? 'added' : 'removed', changed: true, reason: row.a === null ? 'only in B' : 'only in A' };
  }
  const runs = `${row.a.samplesNs.length}/${row.b.samplesNs.length} runs`;
  if (!practical) return { ...rest, verdict: 'unchanged', changed: false, reason: `under ${limit}` };
  if (row.noiseMethod === 'too-few-runs' || row.pValue === null || row.adjustedPValue === null) {
    return { ...rest, verdict: 'inconclusive', changed: false, reason: `too few runs to tell from noise: ${runs}, need ≥ ${needed} per side` };
  }
  const p = `p=${formatP(row.pValue)}, adjusted ${formatP(row.adjustedPValue)}`;
  if (row.adjustedPValue < options.alpha) {
    return { ...rest, verdict: row.deltaNs > 0 ? 'slower' : 'faster', changed: true, reason: `Mann-Whitney ${p}` };
  }
  // Not significant: "within noise" only if these runs could have shown a lone change among the tested rows.
  const powered = smallestPValue(row.a.samplesNs.length, row.b.samplesNs.length) < options.alpha / Math.max(1, testedRows);
  return powered
    ? { ...rest, verdict: 'unchanged', changed: false, reason: `within noise: ${p}` }
    : { ...rest, verdict: 'inconclusive', changed: false, reason: `${p}; ${runs} cannot show one change among ${testedRows} rows, need ≥ ${needed} per side` };
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
    .map((row) =>
      row.verdict === 'added' ? `${row.label} only in B` : row.verdict === 'removed' ? `${row.label} only in A` : `${row.label} ${formatChange(row)}`,
    );
  const total = rows.find((row) => row.kind === 'total');
  const totalText =
    total === undefined ? '' : `total ${formatChange(total)}${total.changed ? '' : total.verdict === 'inconclusive' ? ' (inconclusive)' : ' (within noise)'}`;
  const inconclusive = rows.filter((row) => row.kind === 'stage' && row.verdict === 'inconclusive').map((row) => `${row.label} ${formatChange(row)}`);
  const undecided = inconclusive.length === 0 ? '' : `inconclusive, too few runs to tell: ${inconclusive.join(', ')}`;
  if (changedStages.length === 0) {
    const changedPaths = rows.filter((row) => row.kind === 'path' && row.changed).length;
    const head =
      changedPaths === 0
        ? 'nothing changed beyond noise'
        : `none of the stages changed beyond noise (${changedPaths} call path${changedPaths === 1 ? '' : 's'} did)`;
    return [head, undecided, totalText].filter((part) => part !== '').join('; ');
  }
  return [[...changedStages, totalText].filter((part) => part !== '').join(', '), undecided].filter((part) => part !== '').join('; ');
}

function notesFor(method: NoiseMethod, runsA: number, runsB: number, options: ResolvedCompareOptions, testedRows: number, needed: number): string[] {
  const limit = `${trimNumber(options.thresholdPercent)}% of A and ${trimNumber(options.minDeltaNs / 1e6)} ms`;
  const values =
    runsA > 1 || runsB > 1
      ? `Values are medians over runs (A: ${runsA}, B: ${runsB}); a path's value is the sum of its calls in a run.`
      : "A path's value is the sum of its calls' durations.";
  const more = `Run \`stagescope bench --repeat ${Math.max(needed, 5)}\` on both sides for a claim.`;
  switch (method) {
    case 'too-few-runs':
      return [
        values,
        runsA < 2 && runsB < 2
          ? `A single run per side cannot estimate noise: no row is called changed; differences of at least ${limit} are marked inconclusive.`
          : `${runsA} vs ${runsB} runs are too few for a significance test at p < ${options.alpha}: no row is called changed; differences of at least ${limit} are marked inconclusive.`,
        more,
      ];
    case 'mann-whitney': {
      const notes = [
        values,
        `Changed = at least ${limit} apart, and a two-sided Mann-Whitney U test on the runs gives p < ${options.alpha} after the Holm correction over the ${testedRows} rows tested (the chance that noise alone flags any row stays below ${options.alpha}).`,
        `Effect = Hodges-Lehmann shift of B against A (median of the pairwise run differences) with its ${trimNumber((1 - options.alpha) * 100)}% rank-based interval.`,
      ];
      if (smallestPValue(runsA, runsB) >= options.alpha / Math.max(1, testedRows)) {
        notes.push(
          `${runsA} vs ${runsB} runs cannot show a single changed row among ${testedRows} (the smallest possible p is ${formatP(smallestPValue(runsA, runsB))}): such rows are marked inconclusive. ${more}`,
        );
      }
      return notes;
    }
  }
}

export function formatP(pValue: number): string {
  return pValue < 0.001 ? pValue.toExponential(1) : pValue.toFixed(3);
}

/** `+12.3 ms [+9.8 ms, +14.1 ms]`, or '' without an effect estimate. */
export function formatShift(shift: ShiftEstimate | null, formatNs: (ns: number) => string): string {
  if (shift === null || !Number.isFinite(shift.shiftNs)) return '';
  const signed = (ns: number): string => `${ns >= 0 ? '+' : '-'}${formatNs(Math.abs(ns))}`;
  return shift.lowNs === null || shift.highNs === null
    ? `${signed(shift.shiftNs)} [n/a]`
    : `${signed(shift.shiftNs)} [${signed(shift.lowNs)}, ${signed(shift.highNs)}]`;
}

function trimNumber(value: number): string {
  return Number(value.toPrecision(6)).toString();
}
