import { optionRows, RUN_OPTIONS, type RunSettings } from '../presets/options/run-options.js';
import { presetNames } from '../presets/registry.js';
import { flagUsage, parseFlags } from './option-args.js';
import { splitAtDoubleDash } from './split-argv.js';

/**
 * `stagescope run`'s command line: what both of its ways of running read,
 * the CLI's own process (register/cli-run-mode.ts, from the runtime bundle)
 * and a child node (cli/run-command.ts).
 */

const RUN_USAGE_HEAD = `Usage: stagescope run [options] -- <script> [script args...]

Runs an unmodified Node.js script under a preset and prints its stage tree to
stderr when the script's work is done. The script runs in stagescope's own
process, as \`node script\` would run it: its stdout, stderr, argv, signals and
exit code stay its own. With --node-arg, --svg, --html or --separate-process it
runs in a child node instead; stagescope then exits with the script's exit
code, SIGINT, SIGTERM and SIGHUP sent to stagescope reach the script once, and
if stagescope is killed the script gets SIGTERM instead of running on.

{env}

Options:
`;

/** `stagescope run --help`: every flag of the option table. */
export function runUsage(): string {
  const cliOnly = optionRows().flatMap(([, row]) => (row.flag !== undefined && row.env === undefined ? [row.flag.name] : []));
  const but = cliOnly.length < 2 ? cliOnly.join('') : `${cliOnly.slice(0, -1).join(', ')} and ${cliOnly.at(-1)!}`;
  const env = `Every option${but === '' ? '' : ` but ${but}`} has a\nSTAGESCOPE_* variable for "node --import stagescope/register/<preset>"\n(docs/running.md).`;
  return RUN_USAGE_HEAD.replace('{env}', env) + flagUsage(RUN_OPTIONS, { presets: presetNames().join(', ') });
}

/** `stagescope run`'s arguments: its settings (checked, by row name) and the script's command line. */
export function parseRunArgs(argv: string[]): { help: boolean; command: string[]; settings: RunSettings } {
  const { own, rest } = splitAtDoubleDash(argv);
  const { help, positionals, values } = parseFlags(RUN_OPTIONS, own);
  return { help, command: [...positionals, ...rest], settings: values };
}

/**
 * Does the run need a child node? For node's own arguments; for the pictures
 * the CLI draws after the script's process has ended (Graphviz loads
 * asynchronously: it cannot run in an exiting process); and when asked.
 */
export function needsChildProcess(settings: RunSettings): boolean {
  return settings.separateProcess === true || settings.svg !== undefined || settings.html !== undefined || (settings.nodeArgs ?? []).length > 0;
}

/**
 * The note for a custom-preset run without targets, or undefined. Not an
 * error: a script with its own span()/traced() calls needs no target (as under
 * --import and the API driver); but a forgotten --preset should not look like
 * a run with nothing in it.
 */
export function customWithoutTargetsNote(settings: RunSettings, targetFiles: readonly string[]): string | undefined {
  if ((settings.preset ?? RUN_OPTIONS.preset.defaultValue) !== 'custom' || targetFiles.length > 0 || settings.quiet === true) return undefined;
  return 'stagescope: note: the custom preset without --targets records only span()/traced() spans (and the workers and child processes they start); choose a library preset with --preset or pass --targets FILE\n';
}
