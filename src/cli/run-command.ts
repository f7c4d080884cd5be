import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadTargetFile } from '../instrument/target-file.js';
import { presetNames } from '../presets/registry.js';
import { CliError } from './cli-error.js';

export const RUN_USAGE = `Usage: stagescope run [options] -- <script> [script args...]

Runs an unmodified Node.js script under a preset and prints its stage tree to
stderr when the script's work is done. The script's stdout, stderr, argv and exit
code stay its own; stagescope exits with the script's exit code.

Options:
  --preset NAME       preset to use (${'{presets}'}); default custom
  --targets FILE      extra targets (JSON, YAML or CSV); repeatable
  --json FILE         write the run document (stagescope.run/1) to FILE
  --quiet             do not print the tree
  --max-spans N       spans kept in memory (ring buffer; default 100000)
  --node-arg ARG      pass ARG to node (e.g. --node-arg=--max-old-space-size=4096); repeatable
  -h, --help          show this help
`;

export function runUsage(): string {
  return RUN_USAGE.replace('{presets}', presetNames().join(', '));
}

/** `stagescope run`: validate options here (fail fast), then trace the script in a child node. */
export async function runCommand(argv: string[]): Promise<number> {
  const separator = argv.indexOf('--');
  const own = separator < 0 ? argv : argv.slice(0, separator);
  const rest = separator < 0 ? [] : argv.slice(separator + 1);
  const { values, positionals } = parseArgs({
    args: own,
    allowPositionals: true,
    options: {
      preset: { type: 'string', default: 'custom' },
      targets: { type: 'string', multiple: true },
      json: { type: 'string' },
      quiet: { type: 'boolean', default: false },
      'max-spans': { type: 'string' },
      'node-arg': { type: 'string', multiple: true },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(runUsage());
    return 0;
  }
  const command = [...positionals, ...rest];
  const script = command[0];
  if (script === undefined) throw new CliError(`no script given\n\n${runUsage()}`);
  if (!existsSync(script)) throw new CliError(`script not found: ${script}`);
  const preset = values.preset!;
  if (!presetNames().includes(preset)) throw new CliError(`unknown preset "${preset}" (known: ${presetNames().join(', ')})`);
  const targets = (values.targets ?? []).map((file) => path.resolve(file));
  for (const file of targets) loadTargetFile(file); // a bad file fails here, with file:line, before the script starts
  if (preset === 'custom' && targets.length === 0) {
    throw new CliError('the custom preset has no built-in targets: pass --targets FILE, or choose a preset with --preset');
  }
  const maxSpans = values['max-spans'];
  if (maxSpans !== undefined && !(Number.isInteger(Number(maxSpans)) && Number(maxSpans) > 0)) {
    throw new CliError(`--max-spans must be a positive integer, got "${maxSpans}"`);
  }

  const env: NodeJS.ProcessEnv = { ...process.env, STAGESCOPE_PRESET: preset };
  if (targets.length > 0) env.STAGESCOPE_TARGETS = targets.join(path.delimiter);
  if (values.json !== undefined) env.STAGESCOPE_JSON = path.resolve(values.json);
  if (values.quiet) env.STAGESCOPE_QUIET = '1';
  if (maxSpans !== undefined) env.STAGESCOPE_MAX_SPANS = maxSpans;
  const register = new URL('../register/index.js', import.meta.url).href;
  const nodeArgs = [...(values['node-arg'] ?? []), '--import', register, ...command];
  return new Promise<number>((resolve, reject) => {
    const child = spawn(process.execPath, nodeArgs, { stdio: 'inherit', env });
    // Ctrl-C reaches the child through the terminal's process group; we only wait.
    const ignore = (): void => undefined;
    process.on('SIGINT', ignore);
    process.on('SIGTERM', ignore);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      process.off('SIGINT', ignore);
      process.off('SIGTERM', ignore);
      if (signal !== null) {
        process.kill(process.pid, signal);
        return;
      }
      resolve(code ?? 1);
    });
  });
}
