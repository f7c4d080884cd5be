import { ChildFailed, type ChildOutcome } from './child.js';
import type { CostDocument, FigureResult } from './document.js';
import type { FigureDef, RoundLookup } from './figures.js';
import { formatSummary } from './format.js';
import { verdict } from './goals.js';
import { median, ratioOfMedians, summarize, type Summary } from './stats.js';

/** What the rounds so far gave one figure: its samples, why rounds gave none, its context numbers. */
export interface Collected {
  values: number[];
  errors: Set<string>;
  context: Map<string, number[]>;
}

export function emptySamples(figures: readonly FigureDef[]): Map<string, Collected> {
  return new Map(figures.map((figure) => [figure.id, { values: [], errors: new Set(), context: new Map() }]));
}

export function collectSample(figure: FigureDef, lookup: RoundLookup, into: Collected): void {
  try {
    const value = figure.sample(lookup);
    if (value !== undefined) into.values.push(value);
  } catch (error) {
    into.errors.add((error as Error).message);
  }
  try {
    for (const [key, value] of Object.entries(figure.context?.(lookup) ?? {})) {
      const list = into.context.get(key) ?? [];
      list.push(value);
      into.context.set(key, list);
    }
  } catch {
    // context numbers are optional; the figure's own error says what is missing
  }
}

export function results(figures: readonly FigureDef[], samples: Map<string, Collected>): FigureResult[] {
  const out: FigureResult[] = [];
  for (const figure of figures) {
    const collected = samples.get(figure.id)!;
    if (collected.values.length === 0 && collected.errors.size === 0) continue; // its experiments were not run (--only)
    const context = Object.fromEntries([...collected.context].map(([key, values]) => [key, median(values)]));
    // A copy: this runs after every round (the file is rewritten each time),
    // and what combining says is about the rounds so far, not to be kept.
    const errors = new Set(collected.errors);
    const { summary, unresolved } = combined(figure, summarize(collected.values), collected.context, errors);
    out.push({
      id: figure.id,
      row: figure.row,
      title: figure.title,
      unit: figure.unit,
      goal: figure.goal,
      method: figure.method,
      samples: collected.values,
      median: summary?.median ?? null,
      min: summary?.min ?? null,
      max: summary?.max ?? null,
      verdict: unresolved ? 'unresolved' : verdict(figure.goal, summary),
      errors: [...errors],
      context,
      display: { figure: formatSummary(summary, figure.unit), goal: figure.goal.text },
    });
  }
  return out.sort((a, b) => a.row - b.row);
}

/**
 * A figure with `ratioOfMedians`: the ratio of two of its context numbers
 * over rounds (stats.ts); an unbounded range says which rounds left it so.
 * `unresolved` when the rounds measured the divisor but its median came out
 * at or below zero: no ratio, and not for want of a figure (a failed child,
 * an `error`) but because the machine's noise exceeds what the figure divides
 * by (a reference row of row 8, the whole OCR loop between two processes,
 * read -15 ms over 20 rounds on Node 24 at 9ec2123).
 */
function combined(
  figure: FigureDef,
  perRound: Summary | null,
  context: Map<string, number[]>,
  errors: Set<string>,
): { summary: Summary | null; unresolved: boolean } {
  const ratio = figure.ratioOfMedians;
  if (ratio === undefined) return { summary: perRound, unresolved: false };
  const numerators = context.get(ratio.numerator) ?? [];
  const denominators = context.get(ratio.denominator) ?? [];
  try {
    const summary = ratioOfMedians(numerators, denominators);
    if (!Number.isFinite(summary.max)) {
      errors.add(
        `${ratio.denominator} over rounds spans ${Math.min(...denominators).toFixed(1)} to ${Math.max(...denominators).toFixed(1)}: a round measured no added time, so the ratio has no upper bound on this machine (unresolved)`,
      );
    }
    return { summary, unresolved: false };
  } catch (error) {
    errors.add(`combining the rounds: ${(error as Error).message}`);
    return { summary: null, unresolved: numerators.length > 0 && denominators.length > 0 && median(denominators) <= 0 };
  }
}

/** One round's children by `experiment/variant`, as figures look them up: a failed child throws its message. */
export function roundLookup(outcomes: Map<string, ChildOutcome | ChildFailed>): RoundLookup {
  return (experiment, variant) => {
    const outcome = outcomes.get(`${experiment}/${variant}`);
    if (outcome instanceof ChildFailed) throw new Error(`${experiment}/${variant} failed: ${outcome.message.split('\n')[0]}`);
    return outcome;
  };
}

/**
 * A saved result's figures computed again from its raw runs (`bench:cost --refigure`):
 * each round's children, as the run kept them, looked up as the run did. For a
 * change to how a figure is computed, which then needs no new measurement.
 */
export function refigure(doc: CostDocument, figures: readonly FigureDef[]): FigureResult[] {
  const samples = emptySamples(figures);
  for (let round = 1; round <= doc.rounds; round++) {
    const outcomes = new Map<string, ChildOutcome | ChildFailed>();
    for (const [experiment, { variants }] of Object.entries(doc.experiments)) {
      for (const [variant, { runs }] of Object.entries(variants)) {
        const run = runs.find((candidate) => candidate.round === round);
        if (run === undefined) continue;
        outcomes.set(
          `${experiment}/${variant}`,
          run.error !== undefined ? new ChildFailed(run.error) : { wallNs: run.wallMs * 1e6, result: run.result, doc: run.doc },
        );
      }
    }
    if (outcomes.size === 0) continue;
    const lookup = roundLookup(outcomes);
    for (const figure of figures) collectSample(figure, lookup, samples.get(figure.id)!);
  }
  return results(figures, samples);
}
