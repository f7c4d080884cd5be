import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { BenchVariant } from '../compare/bench-document.js';
import { compareRuns, type Comparable, type Comparison, type CompareOptions } from '../compare/compare-runs.js';
import { renderComparisonMarkdown } from '../compare/comparison-markdown.js';
import { renderComparisonSvg } from '../compare/comparison-svg.js';
import { renderComparisonTable } from '../compare/comparison-table.js';
import { readComparableFile, type ComparableFile } from '../compare/read-comparable.js';
import { writeFileAtomicSync } from '../render/atomic-write.js';
import { CliError } from '../core/cli-error.js';

export const COMPARE_USAGE = `Usage: stagescope compare [options] A.json B.json
       stagescope compare [options] AB.json

Compares two runs stage by stage and call path by call path: A, B, delta,
ratio, calls, and whether the difference is beyond noise. A and B are run
documents (stagescope run --json) or bench documents (stagescope bench --json);
with bench documents the repeated runs give the noise (Mann-Whitney U test,
Holm-corrected over all rows, with a Hodges-Lehmann effect interval). With too
few runs (a single run, or 3 vs 3) nothing is called changed: large differences
are marked inconclusive (?).
A single bench document holding two variants (bench -- a -- vs -- b) is
compared on its own.

Options:
  --md FILE            also write the table as Markdown
  --svg FILE           also write a comparison chart (SVG)
  --threshold PCT      smallest change that counts, in % of A (default 10)
  --min-delta-ms MS    smallest change that counts, in ms (default 1)
  --alpha P            family-wise significance level over all rows (default 0.05)
  --label-a NAME       name of A (default: script and arguments)
  --label-b NAME       name of B
  --stages-only        table without the call-path rows
  --fail-on-slower     exit 1 when the total or a stage is slower beyond noise (for CI)
  -h, --help           show this help

Exit code: 0, or 1 with --fail-on-slower and a slowdown, 2 for bad input.
`;

/** `stagescope compare`: read two documents, print the table, write --md/--svg. */
export async function compareCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      md: { type: 'string' },
      svg: { type: 'string' },
      threshold: { type: 'string' },
      'min-delta-ms': { type: 'string' },
      alpha: { type: 'string' },
      'label-a': { type: 'string' },
      'label-b': { type: 'string' },
      'stages-only': { type: 'boolean', default: false },
      'fail-on-slower': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(COMPARE_USAGE);
    return 0;
  }
  if (positionals.length === 0 || positionals.length > 2) {
    throw new CliError(`compare needs two files (A.json B.json) or one bench document with two variants, got ${positionals.length}\n\n${COMPARE_USAGE}`);
  }
  const options: CompareOptions = {
    thresholdPercent: numberOption('--threshold', values.threshold, (v) => v >= 0, 'a percentage ≥ 0, e.g. 10'),
    minDeltaNs: mapDefined(
      numberOption('--min-delta-ms', values['min-delta-ms'], (v) => v >= 0, 'milliseconds ≥ 0, e.g. 1'),
      (ms) => ms * 1e6,
    ),
    alpha: numberOption('--alpha', values.alpha, (v) => v > 0 && v < 1, 'a probability between 0 and 1, e.g. 0.05'),
    labelA: values['label-a'],
    labelB: values['label-b'],
  };
  // A file that is not a document throws a StagescopeError naming it: main.ts prints it, exit code 2.
  const files = positionals.map((file) => readComparableFile(file));
  const [a, b] = sidesOf(files);
  const comparison = compareRuns(a, b, options);
  process.stdout.write(renderComparisonTable(comparison, { paths: !values['stages-only'] }));
  if (values.md !== undefined) writeOutput(values.md, renderComparisonMarkdown(comparison), 'Markdown table');
  if (values.svg !== undefined) writeOutput(values.svg, renderComparisonSvg(comparison), 'comparison chart');
  return values['fail-on-slower'] && hasSlowdown(comparison) ? 1 : 0;
}

/** Two files → their contents; one file → the two variants of a bench document. */
function sidesOf(files: ComparableFile[]): [Comparable, Comparable] {
  const side = (file: ComparableFile): Comparable => {
    if (file.kind === 'run') return file.run;
    if (file.bench.variants.length !== 1) {
      throw new CliError(
        `${file.file}: this bench document has ${file.bench.variants.length} variants (${file.bench.variants.map((v) => v.label).join(' vs ')}); compare it on its own: stagescope compare ${file.file}`,
      );
    }
    return file.bench.variants[0]!;
  };
  if (files.length === 2) return [side(files[0]!), side(files[1]!)];
  const only = files[0]!;
  if (only.kind !== 'bench' || only.bench.variants.length !== 2) {
    throw new CliError(
      `${only.file}: one file can only be compared when it is a bench document with two variants (stagescope bench -- a.mjs -- vs -- b.mjs); otherwise pass two files`,
    );
  }
  return only.bench.variants as [BenchVariant, BenchVariant];
}

function hasSlowdown(comparison: Comparison): boolean {
  return comparison.rows.some((row) => (row.kind === 'total' || row.kind === 'stage') && row.verdict === 'slower');
}

function numberOption(name: string, raw: string | undefined, valid: (value: number) => boolean, expected: string): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value) || !valid(value)) throw new CliError(`${name} must be ${expected}, got "${raw}"`);
  return value;
}

function mapDefined<T, U>(value: T | undefined, fn: (value: T) => U): U | undefined {
  return value === undefined ? undefined : fn(value);
}

/**
 * Write an output file atomically (creating its folder) and say so on stderr,
 * so stdout stays the table. A failure (full disk, no permission) becomes one
 * message naming the file, not a stack; a previous file there is kept intact.
 */
export function writeOutput(file: string, content: string, what: string): void {
  try {
    mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    writeFileAtomicSync(file, content);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOSPC'
        ? 'no space left on the device'
        : code === 'EACCES' || code === 'EPERM'
          ? 'permission denied'
          : code === 'EISDIR'
            ? 'it is a directory'
            : (error as Error).message;
    throw new CliError(`could not write the ${what} to ${file}: ${reason}`);
  }
  process.stderr.write(`stagescope: ${what} written to ${file}\n`);
}
