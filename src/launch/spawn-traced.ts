import { spawn, type ChildProcess, type StdioOptions, type IOType } from 'node:child_process';
import { statSync } from 'node:fs';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { registerEntryUrl } from '../paths.js';
import { RUN_PID_ENV } from '../reach/link.js';
import { loadTargetFile } from '../instrument/target-file.js';
import { TargetError } from '../instrument/target.js';
import { TERMINATING_SIGNALS } from '../driver/lifecycle.js';
import { envFromSettings } from '../presets/options/env-codec.js';
import { RUN_OPTIONS, type RunSettings } from '../presets/options/run-options.js';
import { presetNames } from '../presets/registry.js';
import { CliError } from '../core/cli-error.js';

/** How to run one script under a preset in a child `node --import stagescope/register` process. */
export interface TracedRunOptions {
  /** `[script, ...args]`. */
  command: string[];
  /**
   * The run's settings (preset, targets, outputs, probes …; option table
   * rows): handed to the child as its STAGESCOPE_* variables, `nodeArgs` to
   * node itself. Files are made absolute.
   */
  settings: RunSettings;
  /** Child stdio (default `'inherit'`: the script's output stays its own). */
  stdio?: StdioOptions;
  /** Working directory of the child (default this process's). */
  cwd?: string;
}

/** How the child ended; `stderr` is set when stdio[2] was `'pipe'`. */
export interface TracedRunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

/**
 * Check the options before anything starts (fail fast, naming the option and
 * the fix); returns the target files as absolute paths, because the child may
 * run in another directory.
 */
export function validateTracedRun(options: TracedRunOptions): string[] {
  const script = options.command[0];
  if (script === undefined) throw new CliError('no script given');
  const scriptStat = statOrUndefined(path.resolve(options.cwd ?? '.', script));
  if (scriptStat === undefined) throw new CliError(`script not found: ${script}`);
  if (scriptStat.isDirectory()) throw new CliError(`${script} is a directory; give the script file to run (e.g. ${path.join(script, 'index.js')})`);
  const preset = options.settings.preset ?? RUN_OPTIONS.preset.defaultValue;
  if (!presetNames().includes(preset)) {
    throw new CliError(`unknown preset "${preset}" (known: ${presetNames().join(', ')})`);
  }
  const targets = (options.settings.targets ?? []).map((file) => path.resolve(file));
  for (const file of targets) {
    // A bad file fails here, with file:line, before the script starts.
    try {
      loadTargetFile(file);
    } catch (error) {
      if (error instanceof TargetError) throw error;
      // Not one of ours (the YAML parser refusing an alias bomb, an unreadable file): still one message, exit 2.
      throw new CliError(`${file}: cannot read the targets: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return targets;
}

/** The environment that tells `register/index.js` in the child what to do: this one, with the run's settings on top. */
export function tracedEnv(options: TracedRunOptions, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const { settings } = options;
  const env: NodeJS.ProcessEnv = { ...base, ...envFromSettings({ ...settings, preset: settings.preset ?? RUN_OPTIONS.preset.defaultValue }) };
  // A run started on purpose is a run of its own, even from inside a traced process.
  delete env[RUN_PID_ENV];
  return env;
}

/** The child's fd of the control pipe (stdio index 3). */
const PARENT_FD = 3;

/**
 * Run `node [nodeArgs] --import <register> script [args]` with the STAGESCOPE_*
 * environment and wait for it. Shared by `stagescope run` and `stagescope bench`
 * so both trace a script in exactly the same way.
 *
 * Signals: SIGINT, SIGTERM and SIGHUP sent to this process (kill, docker stop,
 * systemd, Kubernetes) are forwarded to the child through a control pipe; the
 * child raises each on itself once, unless the same signal already reached it
 * directly (Ctrl-C reaches the whole terminal process group), so the app sees
 * it once. The caller then exits as the child exited. If this process dies
 * without forwarding (SIGKILL), the pipe closes and the child gets SIGTERM
 * instead of running on as an orphan (see driver/parent-link.ts).
 */
export function spawnTraced(options: TracedRunOptions): Promise<TracedRunResult> {
  const register = registerEntryUrl('index');
  const nodeArgs = [...(options.settings.nodeArgs ?? []), '--import', register, ...options.command];
  const stdio = normalizeStdio(options.stdio ?? 'inherit');
  const env = { ...tracedEnv(options), STAGESCOPE_PARENT_FD: String(PARENT_FD) };
  return new Promise<TracedRunResult>((resolve, reject) => {
    const child: ChildProcess = spawn(process.execPath, nodeArgs, { stdio: [...stdio, 'pipe'], env, cwd: options.cwd });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const control = child.stdio[PARENT_FD] as Writable | null | undefined;
    control?.on('error', () => undefined); // the child is gone: nothing left to forward to
    const forwarders = TERMINATING_SIGNALS.map((signal) => {
      const forward = (): void => {
        try {
          control?.write(`${signal}\n`);
        } catch {
          // the child already exited
        }
      };
      process.on(signal, forward);
      return [signal, forward] as const;
    });
    const stopForwarding = (): void => {
      for (const [signal, forward] of forwarders) process.off(signal, forward);
    };
    child.on('error', (error) => {
      stopForwarding();
      reject(error);
    });
    child.on('close', (code, signal) => {
      stopForwarding();
      resolve({ code, signal, stderr });
    });
  });
}

type StdioEntry = Exclude<StdioOptions, IOType>[number];

function normalizeStdio(stdio: StdioOptions): StdioEntry[] {
  if (Array.isArray(stdio)) return [stdio[0] ?? 'pipe', stdio[1] ?? 'pipe', stdio[2] ?? 'pipe'];
  return [stdio, stdio, stdio];
}

function statOrUndefined(file: string): ReturnType<typeof statSync> | undefined {
  try {
    return statSync(file);
  } catch {
    return undefined;
  }
}
