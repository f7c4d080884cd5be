import { splitAtDoubleDash } from '../launch/split-argv.js';
import { benchScript, type BenchVariantSpec } from '../compare/bench-script.js';
import { renderBenchTable } from '../compare/bench-table.js';
import { createProgressReporter } from '../compare/bench-progress.js';
import { compareBenchVariants, DEFAULT_COMPARE_OPTIONS } from '../compare/compare-runs.js';
import { renderComparisonMarkdown } from '../compare/comparison-markdown.js';
import { renderComparisonSvg } from '../compare/comparison-svg.js';
import { renderComparisonTable } from '../compare/comparison-table.js';
import { RUN_OPTIONS } from '../presets/options/run-options.js';
import { fileType, integerType, numberType, switchType, textType } from '../presets/options/value-types.js';
import { presetNames } from '../presets/registry.js';
import { CliError } from '../core/cli-error.js';
import { writeOutput } from './compare-command.js';
import { flagUsage, parseFlags } from '../launch/option-args.js';

/** The three arguments that separate variant A from variant B. */
const VS = ['--', 'vs', '--'] as const;

const BENCH_USAGE_HEAD = `Usage: stagescope bench [options] -- <script> [args...]
       stagescope bench [options] -- <a-script> [args...] -- vs -- <b-script> [args...]

Runs a script repeatedly under a preset, each run in a fresh node process as
"stagescope run" does, and reports per stage and call path the median, p95,
min, max and IQR over the runs. With "-- vs --" two scripts (or the same
script with two sets of arguments) are run interleaved (A, B, A, B, ...) and
compared; differences inside the run-to-run noise are reported as such.
The scripts' own output is hidden (shown if a run fails; --show-output).

Options:
`;

const BENCH_EXAMPLE = `
Example:
  stagescope bench --preset onnx --repeat 10 --svg cmp.svg \\
    -- examples/compare/paddle-opt-level.mjs disabled -- vs -- examples/compare/paddle-opt-level.mjs all
`;

/**
 * `stagescope bench`'s flags: the run settings it shares with `stagescope run`
 * (from the option table), then its own. Its `--json` and `--svg` write the
 * bench document and the comparison chart, not a run's.
 */
const BENCH_FLAGS = {
  preset: RUN_OPTIONS.preset,
  targets: RUN_OPTIONS.targets,
  repeat: { type: integerType(1, 'an integer ≥ 1'), flag: { name: '--repeat', value: 'N' }, help: 'measured runs per script', defaultValue: 10 },
  warmup: { type: integerType(0, 'an integer ≥ 0'), flag: { name: '--warmup', value: 'N' }, help: 'discarded runs per script first', defaultValue: 1 },
  json: { type: fileType, flag: { name: '--json', value: 'FILE' }, help: 'write the bench document (stagescope.bench/1) for "stagescope compare"' },
  md: { type: fileType, flag: { name: '--md', value: 'FILE' }, help: 'with "vs": also write the comparison as Markdown' },
  svg: { type: fileType, flag: { name: '--svg', value: 'FILE' }, help: 'with "vs": also write the comparison chart (SVG)' },
  labelA: {
    type: textType('a name'),
    flag: { name: '--label-a', value: 'NAME' },
    help: 'name of the first script in tables (default: its file name and args)',
  },
  labelB: { type: textType('a name'), flag: { name: '--label-b', value: 'NAME' }, help: 'name of the second' },
  threshold: {
    type: numberType(0, 'a percentage ≥ 0, e.g. 10'),
    flag: { name: '--threshold', value: 'PCT' },
    help: 'smallest change that counts, in %',
    defaultValue: DEFAULT_COMPARE_OPTIONS.thresholdPercent,
  },
  minDeltaMs: {
    type: numberType(0, 'milliseconds ≥ 0, e.g. 1'),
    flag: { name: '--min-delta-ms', value: 'MS' },
    help: 'smallest change that counts, in ms',
    defaultValue: DEFAULT_COMPARE_OPTIONS.minDeltaNs / 1e6,
  },
  alpha: {
    type: numberType(0, 'a probability between 0 and 1, e.g. 0.05'),
    flag: { name: '--alpha', value: 'P' },
    help: 'with "vs": family-wise significance level over all rows (docs/compare-statistics.md)',
    defaultValue: DEFAULT_COMPARE_OPTIONS.alpha,
  },
  maxSpans: { ...RUN_OPTIONS.maxSpans, help: 'spans kept in memory per run' },
  nodeArgs: RUN_OPTIONS.nodeArgs,
  showOutput: { type: switchType, flag: { name: '--show-output' }, help: "let the scripts' stdout/stderr through" },
} as const;

export function benchUsage(): string {
  return BENCH_USAGE_HEAD + flagUsage(BENCH_FLAGS, { presets: presetNames().join(', ') }) + BENCH_EXAMPLE;
}

/** Split `a.mjs x -- vs -- b.mjs y` into the two commands. */
export function splitVariants(rest: readonly string[]): string[][] {
  const commands: string[][] = [[]];
  for (let i = 0; i < rest.length; i++) {
    if (rest[i] === VS[0] && rest[i + 1] === VS[1] && rest[i + 2] === VS[2]) {
      commands.push([]);
      i += 2;
      continue;
    }
    commands[commands.length - 1]!.push(rest[i]!);
  }
  return commands;
}

/** `stagescope bench`: run, summarise, optionally compare two variants. */
export async function benchCommand(argv: string[]): Promise<number> {
  const { own, rest } = splitAtDoubleDash(argv);
  const { help, positionals, values } = parseFlags(BENCH_FLAGS, own);
  if (help) {
    process.stdout.write(benchUsage());
    return 0;
  }
  // Checked before any run starts: a bad level found after ten minutes of runs would waste them.
  if (values.alpha !== undefined && !(values.alpha > 0 && values.alpha < 1)) {
    throw new CliError(`--alpha must be a probability between 0 and 1, e.g. 0.05, got ${values.alpha}`);
  }
  const commands = splitVariants([...positionals, ...rest]);
  if (commands.some((command) => command.length === 0))
    throw new CliError(`no script given${commands.length > 1 ? ' on one side of "-- vs --"' : ''}\n\n${benchUsage()}`);
  if (commands.length > 2) throw new CliError('bench compares at most two scripts: use "-- vs --" once');
  if ((values.md !== undefined || values.svg !== undefined) && commands.length < 2) {
    throw new CliError('--md and --svg draw a comparison: give two scripts with "-- a.mjs -- vs -- b.mjs", or save with --json and use "stagescope compare"');
  }
  const variants: BenchVariantSpec[] = commands.map((command, index) => {
    const label = index === 0 ? values.labelA : values.labelB;
    return label === undefined ? { command } : { command, label };
  });

  const progress = createProgressReporter(process.stderr);
  let doc;
  try {
    doc = await benchScript({
      preset: values.preset ?? BENCH_FLAGS.preset.defaultValue,
      variants,
      targets: values.targets ?? [],
      repeat: values.repeat ?? BENCH_FLAGS.repeat.defaultValue,
      warmup: values.warmup ?? BENCH_FLAGS.warmup.defaultValue,
      maxSpans: values.maxSpans,
      nodeArgs: values.nodeArgs ?? [],
      showOutput: values.showOutput === true,
      onProgress: progress.update,
    });
  } finally {
    // A failed run (a BenchRunError) reaches main.ts, which prints it and exits 1.
    progress.finish();
  }
  process.stdout.write(renderBenchTable(doc));
  if (values.json !== undefined) writeOutput(values.json, `${JSON.stringify(doc)}\n`, 'bench document');
  if (doc.variants.length === 2) {
    const comparison = compareBenchVariants(doc, {
      thresholdPercent: values.threshold,
      ...(values.minDeltaMs === undefined ? {} : { minDeltaNs: values.minDeltaMs * 1e6 }),
      ...(values.alpha === undefined ? {} : { alpha: values.alpha }),
    });
    process.stdout.write(`\n${renderComparisonTable(comparison)}`);
    if (values.md !== undefined) writeOutput(values.md, renderComparisonMarkdown(comparison), 'Markdown table');
    if (values.svg !== undefined) writeOutput(values.svg, renderComparisonSvg(comparison), 'comparison chart');
  }
  return 0;
}
