import Module from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { storage } from '../core/context.js';
import type { RunDocument } from '../core/run-document.js';
import { saveRunSnapshot, uncaughtMayEndSilently } from './crash-snapshot.js';
import { watchLifecycle } from './lifecycle.js';
import { shouldCallMain, type CallMainMode } from './main-export.js';
import { callerDirectory, isEsmFile, resolveScriptPath } from './script-file.js';
import type { TracedRun } from './traced-run.js';

export interface RunScriptOptions {
  /**
   * Call the script's exported `main(args)`: 'auto' (default) calls it only when
   * the script's source does not call `main(` itself (see main-export.ts).
   * `--call-main` and `STAGESCOPE_CALL_MAIN` in the other ways to run.
   */
  callMain?: CallMainMode;
}

type ModuleLoad = (request: string, parent: unknown, isMain: boolean) => unknown;

/**
 * Load the script as the program's main module: `process.argv` is what it would
 * be under `node script args`, a CJS script sees `require.main === module`, an ESM
 * one is imported. Runs inside the root span so async work is parented to it.
 */
async function loadAsMain(scriptPath: string, root: Parameters<typeof storage.run>[0]): Promise<unknown> {
  if (isEsmFile(scriptPath)) return storage.run(root, () => import(pathToFileURL(scriptPath).href));
  const load = (Module as unknown as { _load: ModuleLoad })._load;
  return storage.run(root, () => load(scriptPath, null, true));
}

/**
 * Run the script under `preset` (already constructed, not started) until its
 * work is done. `callMain` was checked by the caller (the option table lives
 * with the presets, above the driver).
 */
export async function runScript(preset: TracedRun, script: string | URL, args: readonly string[], callMain: CallMainMode): Promise<RunDocument> {
  const scriptPath = resolveScriptPath(script, callerDirectory());
  process.argv = [process.argv[0]!, scriptPath, ...args];
  const command = [path.relative(process.cwd(), scriptPath) || scriptPath, ...args];
  const root = preset.start(command, path.dirname(scriptPath));

  let resolveDrained!: () => void;
  const drained = new Promise<void>((resolve) => (resolveDrained = resolve));
  const stopWatching = watchLifecycle({
    onDrained: () => {
      resolveDrained();
      return true;
    },
    onExit: (code) => {
      preset.finish(code);
    },
  });
  // A fire-and-forget promise that rejects kills the process; remember why.
  const onUncaught = (error: unknown): void => {
    preset.setError(error);
    // A listener that rethrows kills the process with exit code 7 and no `exit` event.
    const json = preset.jsonFile;
    if (json !== undefined && uncaughtMayEndSilently()) saveRunSnapshot(preset, command, json, error);
  };
  process.on('uncaughtExceptionMonitor', onUncaught);

  try {
    const exports = (await loadAsMain(scriptPath, root)) as { main?: unknown } | null;
    const main = exports?.main;
    if (typeof main === 'function' && shouldCallMain(callMain, scriptPath)) {
      await storage.run(root, () => Reflect.apply(main, exports, [args]));
    }
    await drained;
  } catch (error) {
    preset.setError(error);
    stopWatching();
    process.off('uncaughtExceptionMonitor', onUncaught);
    preset.finish(1);
    throw error;
  }
  stopWatching();
  process.off('uncaughtExceptionMonitor', onUncaught);
  // The script's work drained: its exit code is what it set, else 0 (as in process mode).
  return preset.finish(typeof process.exitCode === 'number' ? process.exitCode : 0);
}
