// How a bench:cost child hands its figures to the parent: one line on stdout,
// prefixed so the script's own output (the OCR example prints text) cannot be
// mistaken for it. The parent (benchmarks/cost/child.ts) parses the last such line.
export const RESULT_PREFIX = 'bench-cost-result ';

/** @param {Record<string, unknown>} result */
export function report(result) {
  process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(result)}\n`);
}

/** Integer argument `name=value` from argv (e.g. `n=20000`), or the default. */
export function intArg(name, fallback) {
  const found = process.argv.slice(2).find((arg) => arg.startsWith(`${name}=`));
  if (found === undefined) return fallback;
  const value = Number(found.slice(name.length + 1));
  if (!Number.isInteger(value) || value < 1) throw new Error(`${process.argv[1]}: ${name} must be an integer ≥ 1, got "${found}"`);
  return value;
}

/** Median of a numeric array (does not modify it). */
export function median(values) {
  const sorted = Float64Array.from(values).sort();
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}
