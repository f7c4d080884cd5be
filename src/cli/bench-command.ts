import { parseArgs } from 'node:util';
import { splitAtDoubleDash } from './split-argv.js';
import { benchScript, type BenchVariantSpec } from '../bench/bench-script.js';
import { renderBenchTable } from '../bench/bench-table.js';
import { createProgressReporter } from '../bench/progress.js';
import { compareBenchVariants } from '../compare/compare-runs.js';
import { renderComparisonMarkdown } from '../compare/comparison-markdown.js';
import { renderComparisonSvg } from '../compare/comparison-svg.js';
import { renderComparisonTable } from '../compare/comparison-table.js';
import { presetNames } from '../presets/registry.js';
import { CliError } from './cli-error.js';
import { writeOutput } from './compare-command.js';

/** The three arguments that separate variant A from variant B. */
const VS = ['--', 'vs', '--'] as const;

export const BENCH_USAGE = `Usage: stagescope bench [options] -- <script> [args...]
       stagescope bench [options] -- <a-script> [args...] -- vs -- <b-script> [args...]

Runs a script repeatedly under a preset, each run in a fresh node process as
"stagescope run" does, and reports per stage and call path the median, p95,
min, max and IQR over the runs. With "-- vs --" two scripts (or the same
script with two sets of arguments) are run interleaved (A, B, A, B, ...) and
compared; differences inside the run-to-run noise are reported as such.
The scripts' own output is hidden (shown if a run fails; --show-output).

Options:
  --preset NAME       preset to use ({presets}); default custom
  --targets FILE      extra targets (JSON, YAML or CSV); repeatable
  --repeat N          measured runs per script (default 10)
  --warmup N          discarded runs per script first (default 1)
  --json FILE         write the bench document (stagescope.bench/1) for "stagescope compare"
  --md FILE           with "vs": also write the comparison as Markdown
  --svg FILE          with "vs": also write the comparison chart (SVG)
  --label-a NAME      name of the first script in tables (default: its file name and args)
  --label-b NAME      name of the second
  --threshold PCT     smallest change that counts, in % (default 10)
  --max-spans N       spans kept in memory per run
  --node-arg ARG      pass ARG to node; repeatable
  --show-output       let the scripts' stdout/stderr through
  -h, --help          show this help

Example:
  stagescope bench --preset onnx --repeat 10 --svg cmp.svg \\
    -- examples/compare/paddle-opt-level.mjs disabled -- vs -- examples/compare/paddle-opt-level.mjs all
`;

export function benchUsage(): string {
  return BENCH_USAGE.replace('{presets}', presetNames().join(', '));
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
  const { values, positionals } = parseArgs({
    args: own,
    allowPositionals: true,
    options: {
      preset: { type: 'string', default: 'custom' },
      targets: { type: 'string', multiple: true },
      repeat: { type: 'string', default: '10' },
      warmup: { type: 'string', default: '1' },
      json: { type: 'string' },
      md: { type: 'string' },
      svg: { type: 'string' },
      'label-a': { type: 'string' },
      'label-b': { type: 'string' },
      threshold: { type: 'string' },
      'max-spans': { type: 'string' },
      'node-arg': { type: 'string', multiple: true },
      'show-output': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(benchUsage());
    return 0;
  }
  const commands = splitVariants([...positionals, ...rest]);
  if (commands.some((command) => command.length === 0))
    throw new CliError(`no script given${commands.length > 1 ? ' on one side of "-- vs --"' : ''}\n\n${benchUsage()}`);
  if (commands.length > 2) throw new CliError('bench compares at most two scripts: use "-- vs --" once');
  const repeat = integerOption('--repeat', values.repeat!, 1);
  const warmup = integerOption('--warmup', values.warmup!, 0);
  const maxSpans = values['max-spans'] === undefined ? undefined : integerOption('--max-spans', values['max-spans'], 1);
  const threshold = values.threshold === undefined ? undefined : Number(values.threshold);
  if (threshold !== undefined && !(Number.isFinite(threshold) && threshold >= 0))
    throw new CliError(`--threshold must be a percentage ≥ 0, e.g. 10, got "${values.threshold}"`);
  if ((values.md !== undefined || values.svg !== undefined) && commands.length < 2) {
    throw new CliError('--md and --svg draw a comparison: give two scripts with "-- a.mjs -- vs -- b.mjs", or save with --json and use "stagescope compare"');
  }
  const variants: BenchVariantSpec[] = commands.map((command, index) => {
    const label = index === 0 ? values['label-a'] : values['label-b'];
    return label === undefined ? { command } : { command, label };
  });

  const progress = createProgressReporter(process.stderr);
  let doc;
  try {
    doc = await benchScript({
      preset: values.preset!,
      variants,
      targets: values.targets ?? [],
      repeat,
      warmup,
      maxSpans,
      nodeArgs: values['node-arg'] ?? [],
      showOutput: values['show-output'],
      onProgress: progress.update,
    });
  } finally {
    // A failed run (a BenchRunError) reaches main.ts, which prints it and exits 1.
    progress.finish();
  }
  process.stdout.write(renderBenchTable(doc));
  if (values.json !== undefined) writeOutput(values.json, `${JSON.stringify(doc)}\n`, 'bench document');
  if (doc.variants.length === 2) {
    const comparison = compareBenchVariants(doc, { thresholdPercent: threshold });
    process.stdout.write(`\n${renderComparisonTable(comparison)}`);
    if (values.md !== undefined) writeOutput(values.md, renderComparisonMarkdown(comparison), 'Markdown table');
    if (values.svg !== undefined) writeOutput(values.svg, renderComparisonSvg(comparison), 'comparison chart');
  }
  return 0;
}

function integerOption(name: string, raw: string, min: number): number {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) throw new CliError(`${name} must be an integer ≥ ${min}, got "${raw}"`);
  return value;
}
