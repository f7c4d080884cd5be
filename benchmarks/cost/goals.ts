import type { Summary } from './stats.js';

/**
 * A figure's goal from issue 9's table. `max`: the figure must be at most
 * `value`; `min`: at least; `range`: between (both inclusive); `none`: shown for
 * context only (e.g. OpenTelemetry's own added cost).
 */
export type Goal =
  | { kind: 'max'; value: number; text: string }
  | { kind: 'min'; value: number; text: string }
  | { kind: 'range'; min: number; max: number; text: string }
  | { kind: 'none'; text: string };

/**
 * `ok`: the median and the whole min–max range meet the goal; `borderline`: the
 * median meets it but part of the range does not (noise or load: run again on a
 * quieter machine before trusting it); `miss`: the median misses it; `info`: no
 * goal; `error`: no figure (a child failed, or the figure does not exist yet);
 * `unresolved`: the range is unbounded (a ratio whose measured denominator
 * came out ≤ 0 in some round, stats.ts `ratioOfMedians`): the machine's noise
 * exceeds what is measured, so neither ok nor miss can be said.
 */
export type Verdict = 'ok' | 'borderline' | 'miss' | 'info' | 'error' | 'unresolved';

export function meetsGoal(goal: Goal, value: number): boolean {
  switch (goal.kind) {
    case 'max':
      return value <= goal.value;
    case 'min':
      return value >= goal.value;
    case 'range':
      return value >= goal.min && value <= goal.max;
    case 'none':
      return true;
  }
}

export function verdict(goal: Goal, summary: Summary | null): Verdict {
  if (summary === null) return 'error';
  if (goal.kind === 'none') return 'info';
  if (!Number.isFinite(summary.min) || !Number.isFinite(summary.max)) return 'unresolved';
  if (!meetsGoal(goal, summary.median)) return 'miss';
  return meetsGoal(goal, summary.min) && meetsGoal(goal, summary.max) ? 'ok' : 'borderline';
}
