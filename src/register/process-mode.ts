import { readFileSync } from 'node:fs';
import path from 'node:path';
import { storage } from '../core/context.js';
import { StagescopeError } from '../core/errors.js';
import { watchStderrStream } from '../core/stderr.js';
import { reportDiagnostic } from '../core/diagnostics.js';
import type { Span } from '../core/span.js';
import { saveRunSnapshot, uncaughtMayEndSilently } from '../driver/crash-snapshot.js';
import { watchLifecycle } from '../driver/lifecycle.js';
import { watchParentLink } from '../driver/parent-link.js';
import { loadedMainExports, shouldCallMain, sourceDeclaresMain, type CallMainMode } from '../driver/main-export.js';
import type { Preset, PresetOptions } from '../presets/preset.js';
import { createPreset } from '../presets/registry.js';
import { createRequire } from 'node:module';
import { REACH_ENV, RUN_PID_ENV } from '../reach/link.js';
import { currentThread } from '../reach/current-thread.js';
import { settingFromEnv, settingsFromEnv } from '../presets/options/env-codec.js';
import { toPresetOptions } from '../presets/options/preset-fields.js';
import { RUN_OPTIONS } from '../presets/options/run-options.js';

const require = createRequire(import.meta.url);

/**
 * `node --import stagescope/register/<preset> script.mjs`: trace the whole process.
 * Options come from the `STAGESCOPE_*` environment (the CLI sets them for its
 * child process): every variable of the option table
 * (presets/options/run-options.ts; `stagescope run --help` lists their flags),
 * plus STAGESCOPE_PARENT_FD, the fd of the CLI's control pipe (driver/parent-link.ts).
 * A bad value exits with code 2 and a message naming the variable.
 */
export function optionsFromEnv(env: NodeJS.ProcessEnv = process.env): PresetOptions {
  return toPresetOptions(settingsFromEnv(env));
}

/** The preset `node --import stagescope/register` (no preset in the path) runs: STAGESCOPE_PRESET, else the default. */
export function presetNameFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  return settingFromEnv(RUN_OPTIONS.preset, env) ?? RUN_OPTIONS.preset.defaultValue;
}

export function startProcessMode(presetName: string): void {
  // A Worker or child process of a traced run: traced for that run, never printing its own tree.
  // Only a worker or a child of a traced run loads the linked mode (start-up cost otherwise).
  if ((!currentThread().isMainThread || process.env[REACH_ENV] !== undefined) && linkedMode().startLinkedModeIfLinked()) return;
  // A node process that a traced run started without a link (spawnSync, execSync:
  // they bypass the spawn patch) and that inherited our --import through
  // NODE_OPTIONS: it runs untraced and silent. As a run of its own it printed a
  // tree into the stderr the app reads, and wrote over the run's --json.
  const runPid = process.env[RUN_PID_ENV];
  if (runPid !== undefined && runPid !== String(process.pid)) return;
  process.env[RUN_PID_ENV] = String(process.pid);
  let preset: Preset;
  let options: PresetOptions;
  let callMainMode: CallMainMode;
  try {
    const settings = settingsFromEnv();
    options = toPresetOptions(settings);
    callMainMode = settings.callMain ?? RUN_OPTIONS.callMain.defaultValue;
    preset = createPreset(presetName, options);
  } catch (error) {
    // A bad option must not silently run the script untraced.
    const message = error instanceof Error ? error.message : String(error);
    const targets = settingFromEnv(RUN_OPTIONS.targets) ?? [];
    // Errors that are not ours (the YAML parser refusing an alias bomb) get the context they lack.
    const context =
      error instanceof StagescopeError
        ? ''
        : `stagescope: cannot start the ${presetName} preset${targets.length === 0 ? '' : ` (target files: ${targets.join(', ')})`}: `;
    process.stderr.write(`${context}${message}\n`);
    process.exit(2);
  }
  // The tree goes to fd 2 at exit without making process.stderr, unless the app made it.
  watchStderrStream();
  const script = process.argv[1];
  const command = process.argv.slice(1).map((arg, index) => (index === 0 ? path.relative(process.cwd(), arg) || arg : arg));
  preset.start(command, script === undefined ? undefined : path.dirname(path.resolve(script)));
  const json = options.json;
  process.on('uncaughtExceptionMonitor', (error) => {
    preset.setError(error);
    // A listener that rethrows kills the process with exit code 7 and no `exit` event.
    if (json !== undefined && uncaughtMayEndSilently()) saveRunSnapshot(preset, command, json, error);
  });
  const root = preset.root!;
  const scriptPath = script === undefined ? undefined : path.resolve(script);
  const callMain = scriptPath !== undefined && shouldCallMain(callMainMode, scriptPath);
  let mainChecked = !callMain;
  watchLifecycle({
    onDrained: () => {
      if (!mainChecked) {
        // First drain: the script's top level is done; run its exported main, if any.
        mainChecked = true;
        void callExportedMain(scriptPath!, root, (error) => {
          preset.setError(error);
          process.exitCode = 1;
          setImmediate(() => {
            throw error; // Node reports it exactly as it would an uncaught error of the script
          });
        });
        return false;
      }
      if (!callMain && scriptPath !== undefined && preset.tracer.recorder.size <= 1 && declaresMain(scriptPath)) {
        reportDiagnostic(
          'SS_MAIN_NOT_CALLED',
          'the script declares main() and nothing was traced; stagescope does not call main unless asked (it may run your pipeline twice otherwise): pass --call-main (STAGESCOPE_CALL_MAIN=1) if the script only exports it',
        );
      }
      // Synchronous only (pictures too, see write-outputs.ts): async work here would
      // make Node emit beforeExit again and run the app's own listeners twice.
      preset.finish(typeof process.exitCode === 'number' ? process.exitCode : 0);
      return true;
    },
    onExit: (code) => {
      preset.finish(code);
    },
  });
  // Read once and removed: the script's own child processes inherit the environment,
  // and their fd 3 may be something else entirely (an IPC channel).
  const parentFd = process.env.STAGESCOPE_PARENT_FD;
  delete process.env.STAGESCOPE_PARENT_FD;
  if (parentFd !== process.env.NODE_CHANNEL_FD) watchParentLink(parentFd);
}

/** Does the script's source declare a function named main (for the hint when it was not called)? */
function declaresMain(scriptPath: string): boolean {
  try {
    return sourceDeclaresMain(readFileSync(scriptPath, 'utf8'));
  } catch {
    return false;
  }
}

async function callExportedMain(scriptPath: string, root: Span, onError: (error: unknown) => void): Promise<void> {
  try {
    const exports = await loadedMainExports(scriptPath);
    const main = exports?.main;
    if (typeof main !== 'function') return;
    await storage.run(root, () => Reflect.apply(main, exports, [process.argv.slice(2)]));
  } catch (error) {
    onError(error);
  }
}

function linkedMode(): typeof import('./linked-mode.js') {
  return require('./linked-mode.js') as typeof import('./linked-mode.js');
}
