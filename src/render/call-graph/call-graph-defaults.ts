import type { Stage } from '../../core/types.js';

/** What the highlighted node is the most of. */
export type HighlightMetric = 'self' | 'total';

/** Options with every value filled in. */
export interface ResolvedCallGraphOptions {
  maxNodes: number;
  minShare: number;
  maxMinShare: number;
  highlight: HighlightMetric;
  highlightExclude: readonly Stage[];
  minDurationNs: number;
}

/**
 * The call graph's defaults, in a file of their own: the option table
 * (presets/options/) shows them in `--help`, and every traced process loads
 * that table at start-up, when it has no use for the 500 lines of aggregate.ts.
 */
export const DEFAULT_CALL_GRAPH_OPTIONS: Readonly<ResolvedCallGraphOptions> = {
  maxNodes: 40,
  minShare: 0.005,
  maxMinShare: 0.05,
  highlight: 'self',
  highlightExclude: [],
  minDurationNs: 0,
};
