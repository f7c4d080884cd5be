import { createRequire } from 'node:module';
import path from 'node:path';
import { describeCliFailure } from '../core/cli-error.js';
import { CliError } from '../core/cli-error.js';
import { customWithoutTargetsNote, needsChildProcess, parseRunArgs, runUsage } from '../launch/run-args.js';
import { tracedEnv, validateTracedRun } from '../launch/traced-run-options.js';
import { RUN_PID_ENV } from '../reach/link.js';
import { presetNameFromEnv, startProcessMode } from './process-mode.js';

const require = createRequire(import.meta.url);

/** How `stagescope run` went in the CLI's own process. */
export type CliRunOutcome =
  /** The script was started here; its exit code is its own. */
  | { started: true }
  /** Nothing was started: exit with this code (help was printed, or an error was, on stderr). */
  | { started: false; exitCode: number }
  /** The run needs a child node (launch/run-args.ts, `needsChildProcess`): cli/run-command.ts runs it. */
  | { started: false; separate: true };

/**
 * `stagescope run` in the CLI's own process, from the runtime bundle (the
 * CLI loads it through register/cli-run.ts, compiled from V8's code cache):
 * the script runs as `node --import stagescope/register script args` would
 * run it in a new process.
 *
 * - The run's settings go into this process's environment, where process mode
 *   reads them, as it does in the CLI's child (and where the script's own child
 *   processes inherit them, as they do there).
 * - `process.argv` becomes the script's.
 * - Node's own entry-point runner (`module.runMain`, what `node script` calls)
 *   runs the script, CommonJS or ESM, with `require.main` and `import.meta.main`
 *   set as Node sets them. It runs from the tick queue, not from here: an error
 *   its top level throws is then uncaught, as under `node script` (the app's
 *   `uncaughtException` listeners see it, Node prints it, exit code 1), instead
 *   of rejecting the CLI's promise, and no frame of ours is under the script's.
 *
 * Why not always a child node: that second process (its boot, the CLI's
 * modules, the spawn and the control pipe) added ~60 ms to every run, 13–29%
 * of the 0.45 s OCR example (bench:cost row 2).
 */
export function runCliHere(argv: string[]): CliRunOutcome {
  try {
    const { help, command, settings } = parseRunArgs(argv);
    if (help) {
      process.stdout.write(runUsage());
      return { started: false, exitCode: 0 };
    }
    const [script, ...args] = command;
    if (script === undefined) throw new CliError(`no script given\n\n${runUsage()}`);
    if (needsChildProcess(settings)) return { started: false, separate: true };
    const traced = { command, settings };
    const note = customWithoutTargetsNote(settings, validateTracedRun(traced));
    if (note !== undefined) process.stderr.write(note);
    Object.assign(process.env, tracedEnv(traced, {}));
    // A run started on purpose is a run of its own, even from inside a traced process.
    delete process.env[RUN_PID_ENV];
    process.argv = [process.execPath, path.resolve(script), ...args];
  } catch (error) {
    const { text, exitCode } = describeCliFailure(error);
    process.stderr.write(text);
    return { started: false, exitCode };
  }
  startProcessMode(presetNameFromEnv());
  const { runMain } = require('node:module') as { runMain: () => void };
  process.nextTick(runMain);
  return { started: true };
}
