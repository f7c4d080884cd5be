#!/usr/bin/env node
import { StagescopeError } from '../core/errors.js';
import { packageVersion } from '../paths.js';
import { presetDescriptions } from '../presets/registry.js';
import { CliError } from '../core/cli-error.js';

const USAGE = `stagescope ${packageVersion} — stage trees for ML inference pipelines on Node.js

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
Run "stagescope run --help" for the run options.
`;

type Command = (argv: string[]) => Promise<number>;

// Each command's module (and what it draws or compares with) is loaded when that
// command runs: `stagescope run` is on the start-up path of every traced script,
// and loading the renderers, the comparison statistics and the HTML report for
// it cost ~50 ms of the CLI's start-up (issue "Cost of observation").
const commands: Record<string, Command> = {
  run: async (argv) => (await import('./run-command.js')).runCommand(argv),
  render: async (argv) => (await import('./render-command.js')).renderCommand(argv),
  report: async (argv) => (await import('./report-command.js')).reportCommand(argv),
  compare: async (argv) => (await import('./compare-command.js')).compareCommand(argv),
  bench: async (argv) => (await import('./bench-command.js')).benchCommand(argv),
  presets: async () => {
    for (const [name, description] of presetDescriptions()) process.stdout.write(`${name.padEnd(8)} ${description}\n`);
    return 0;
  },
  help: async (argv) => {
    const sub = argv[0] === undefined ? undefined : commands[argv[0]];
    if (sub !== undefined && argv[0] !== 'help') return sub(['--help']);
    process.stdout.write(USAGE);
    return 0;
  },
  version: async () => {
    process.stdout.write(`${packageVersion}\n`);
    return 0;
  },
};

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h') {
    process.stdout.write(USAGE);
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-v') return commands.version!([]);
  const command = commands[name];
  if (command === undefined) throw new CliError(`unknown command "${name}"\n\n${USAGE}`);
  return command(rest);
}

/** node:util parseArgs' own errors: a usage mistake like ours, told by their code. */
const PARSE_ARGS_CODES: ReadonlySet<unknown> = new Set(['ERR_PARSE_ARGS_UNKNOWN_OPTION', 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE']);

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    // Ours and parseArgs': one line, no stack, the exit code the error's code gives.
    // Anything else is a bug: the stack, exit code 1.
    if (error instanceof StagescopeError) {
      process.stderr.write(`stagescope: ${error.detail}\n`);
      process.exitCode = error.exitCode;
    } else if (error instanceof Error && PARSE_ARGS_CODES.has((error as NodeJS.ErrnoException).code)) {
      process.stderr.write(`stagescope: ${error.message}\n`);
      process.exitCode = 2;
    } else {
      process.stderr.write(`stagescope: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exitCode = 1;
    }
  },
);
