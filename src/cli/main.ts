#!/usr/bin/env node
import type { runFromCli } from '../register/cli-run.js';

// `stagescope run` traces the script in this process, so the root line's
// start-up figure starts here, at the CLI's first statement: the key is
// core/process-marks.ts's LOAD_START_KEY, written out so that no module loads
// before it (ES modules evaluate their imports first). Harmless for the other
// commands and for a run in a child node, whose figure starts in the child.
(globalThis as { [key: symbol]: bigint | undefined })[Symbol.for('stagescope.loadStartHrNs')] ??= process.hrtime.bigint();

// No static import at all: every module loaded before the script starts is
// start-up. The run's flags are parsed by the runtime bundle (register/cli-run.ts);
// the CLI's own modules load for the other commands, and for a run in a child node.

const usage = async (): Promise<string> => `stagescope ${(await import('../paths.js')).packageVersion} — stage trees for ML inference pipelines on Node.js

Usage:
  stagescope run --preset NAME [options] -- script.mjs [args...]   trace a script
  stagescope compare a.json b.json [--svg c.svg] [--md c.md]       compare two runs stage by stage
  stagescope bench --preset NAME -- a.mjs [-- vs -- b.mjs]         repeat runs, report medians and noise
  stagescope render run.json [--svg g.svg] [--gantt t.svg] [--trace t.json] [--tree] [--compact]
                                                                   draw a saved run again
  stagescope report run.json --html report.html                    one self-contained HTML report
  stagescope presets                                               list presets
  stagescope help [command]

Also: node --import stagescope/register/<preset> script.mjs
      node -r stagescope/register/<preset> script.js
Run "stagescope run --help" for the run options.
`;

/** Resolves to the exit code; `undefined` when the exit code is a traced script's own (`run` in this process). */
type Command = (argv: string[]) => Promise<number | undefined>;

// Each command's module (and what it draws or compares with) is loaded when that
// command runs: `stagescope run` is on the start-up path of every traced script,
// and loading the renderers, the comparison statistics and the HTML report for
// it cost ~50 ms of the CLI's start-up (issue "Cost of observation").
const commands: Record<string, Command> = {
  run: async (argv) => {
    // The bundled entry, like the `--import` ones (the package's exports do not name it).
    const entry = new URL('../../bundle/register/cli-run.js', import.meta.url).href;
    const outcome = await ((await import(entry)) as { runFromCli: typeof runFromCli }).runFromCli(argv);
    if (outcome.started) return undefined;
    if ('separate' in outcome) return (await import('./run-command.js')).runCommand(argv);
    return outcome.exitCode;
  },
  render: async (argv) => (await import('./render-command.js')).renderCommand(argv),
  report: async (argv) => (await import('./report-command.js')).reportCommand(argv),
  compare: async (argv) => (await import('./compare-command.js')).compareCommand(argv),
  bench: async (argv) => (await import('./bench-command.js')).benchCommand(argv),
  presets: async () => {
    const { presetDescriptions } = await import('../presets/registry.js');
    for (const [name, description] of presetDescriptions()) process.stdout.write(`${name.padEnd(8)} ${description}\n`);
    return 0;
  },
  help: async (argv) => {
    const sub = argv[0] === undefined ? undefined : commands[argv[0]];
    if (sub !== undefined && argv[0] !== 'help') return sub(['--help']);
    process.stdout.write(await usage());
    return 0;
  },
  version: async () => {
    process.stdout.write(`${(await import('../paths.js')).packageVersion}\n`);
    return 0;
  },
};

async function main(argv: string[]): Promise<number | undefined> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h') {
    process.stdout.write(await usage());
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-v') return commands.version!([]);
  const command = commands[name];
  if (command === undefined) throw new (await import('../core/cli-error.js')).CliError(`unknown command "${name}"\n\n${await usage()}`);
  return command(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== undefined) process.exitCode = code;
  },
  async (error: unknown) => {
    const { text, exitCode } = (await import('../core/cli-error.js')).describeCliFailure(error);
    process.stderr.write(text);
    process.exitCode = exitCode;
  },
);
