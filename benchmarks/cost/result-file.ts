import path from 'node:path';

/**
 * The Node major whose full run is published as the main table (README.md and
 * the first table of docs/overhead.md) and kept in `benchmarks/results/cost.json`,
 * the file other tools and tests read. Raise it when the project's reference
 * Node changes; the run that replaces cost.json must then be made on the new
 * major.
 */
export const PRIMARY_NODE_MAJOR = 24;

/** The major of a `node --version` string (`v22.23.3` → 22); NaN when it is not one. */
export function nodeMajor(version: string): number {
  const match = /^v(\d+)\./.exec(version);
  return match === null ? Number.NaN : Number(match[1]);
}

/**
 * Where a bench:cost run writes its JSON when no `--out` is given, relative to
 * the repository:
 *
 * - a full run (every experiment, full N) on the primary major:
 *   `benchmarks/results/cost.json`;
 * - a full run on any other major: `benchmarks/results/cost-node<major>.json`
 *   (`cost-node22.json` is the one docs:bench publishes beside it), so a run
 *   on Node 22 never replaces the Node 24 figures;
 * - a `--quick` or `--only` run, on any major: a file in the temp folder
 *   (`tmpDir`), so no committed result is replaced by a partial one.
 *
 * The major is that of the binary the children run on (`--node`, else the
 * one running the benchmark), as recorded in `environment.node`.
 */
export function defaultResultFile(run: { childNodeVersion: string; quick: boolean; partial: boolean }, repoRoot: string, tmpDir: string): string {
  if (run.quick || run.partial) return path.join(tmpDir, `stagescope-bench-cost-${run.quick ? 'quick' : 'partial'}.json`);
  const major = nodeMajor(run.childNodeVersion);
  const name = major === PRIMARY_NODE_MAJOR ? 'cost.json' : `cost-node${major}.json`;
  return path.join(repoRoot, 'benchmarks/results', name);
}
