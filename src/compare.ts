/**
 * `stagescope/compare`: compare two runs, two sets of runs or two bench
 * variants stage by stage and path by path, with noise statistics; run a
 * script repeatedly (`benchScript`); render the result as a terminal table,
 * Markdown or SVG (docs/compare-and-bench.md).
 *
 * The entry lists names only; the code lives in `compare/`.
 *
 * @example
 * import { benchScript, compareBenchVariants, renderComparisonTable } from 'stagescope/compare';
 * const bench = await benchScript({ preset: 'onnx', repeat: 5, variants: [
 *   { command: ['classify.mjs', 'disabled'] }, { command: ['classify.mjs', 'all'] } ] });
 * console.log(renderComparisonTable(compareBenchVariants(bench)));
 */
export {
  compareBenchVariants,
  compareRuns,
  type Comparable,
  type CompareOptions,
  type Comparison,
  type ComparisonRow,
  type ComparisonSide,
  type NoiseMethod,
  type Verdict,
} from './compare/compare-runs.js';
export { renderComparisonTable, type ComparisonTableOptions } from './compare/comparison-table.js';
export { renderComparisonMarkdown } from './compare/comparison-markdown.js';
export { renderComparisonSvg, type ComparisonSvgOptions } from './compare/comparison-svg.js';
export { measureRun, type Measure } from './compare/stage-paths.js';
export { readComparableFile, type ComparableFile } from './compare/read-comparable.js';
export { benchScript, BenchRunError, type BenchOptions, type BenchVariantSpec } from './compare/bench-script.js';
export { assertBenchDocument, BENCH_FORMAT, type BenchDocument, type BenchRow, type BenchVariant } from './compare/bench-document.js';
export { renderBenchTable } from './compare/bench-table.js';
