import { spawn, type StdioOptions } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { loadTargetFile } from '../instrument/target-file.js';
import { presetNames } from '../presets/registry.js';
import { CliError } from './cli-error.js';

/** How to run one script under a preset in a child `node --import stagescope/register` process. */
export interface TracedRunOptions {
  /** Preset name (see `stagescope presets`). */
  preset: string;
  /** `[script, ...args]`. */
  command: string[];
  /** Extra target files (resolved to absolute paths by {@link validateTracedRun}). */
  targets?: string[];
  /** Write the run document here. */
  json?: string;
  /** Do not print the tree (default false). */
  quiet?: boolean;
  /** Ring buffer size (validated as a positive integer). */
  maxSpans?: string;
  /** Arguments for node itself, before `--import`. */
  nodeArgs?: string[];
  /** Child stdio (default `'inherit'`: the script's output stays its own). */
  stdio?: StdioOptions;
  /** Working directory of the child (default this process's). */
  cwd?: string;
  /** More STAGESCOPE_* settings for the child (probes, pictures, budget …). */
  env?: Record<string, string>;
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
  if (!existsSync(path.resolve(options.cwd ?? '.', script))) throw new CliError(`script not found: ${script}`);
  if (!presetNames().includes(options.preset)) {
    throw new CliError(`unknown preset "${options.preset}" (known: ${presetNames().join(', ')})`);
  }
  const targets = (options.targets ?? []).map((file) => path.resolve(file));
  for (const file of targets) loadTargetFile(file); // a bad file fails here, with file:line, before the script starts
  if (options.preset === 'custom' && targets.length === 0) {
    throw new CliError('the custom preset has no built-in targets: pass --targets FILE, or choose a preset with --preset');
  }
  const { maxSpans } = options;
  if (maxSpans !== undefined && !(Number.isInteger(Number(maxSpans)) && Number(maxSpans) > 0)) {
    throw new CliError(`--max-spans must be a positive integer, got "${maxSpans}"`);
  }
  return targets;
}

/** The environment that tells `register/index.js` in the child what to do (see register/process-mode.ts). */
export function tracedEnv(options: TracedRunOptions, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base, ...options.env, STAGESCOPE_PRESET: options.preset };
  const targets = (options.targets ?? []).map((file) => path.resolve(file));
  if (targets.length > 0) env.STAGESCOPE_TARGETS = targets.join(path.delimiter);
  if (options.json !== undefined) env.STAGESCOPE_JSON = path.resolve(options.json);
  if (options.quiet === true) env.STAGESCOPE_QUIET = '1';
  if (options.maxSpans !== undefined) env.STAGESCOPE_MAX_SPANS = options.maxSpans;
  return env;
}

/**
 * Run `node [nodeArgs] --import <register> script [args]` with the STAGESCOPE_*
 * environment and wait for it. Shared by `stagescope run` and `stagescope bench`
 * so both trace a script in exactly the same way. While the child runs, SIGINT
 * and SIGTERM are ignored here: Ctrl-C reaches the child through the terminal's
 * process group, and the caller decides what the child's signal means.
 */
export function spawnTraced(options: TracedRunOptions): Promise<TracedRunResult> {
  const register = new URL('../register/index.js', import.meta.url).href;
  const nodeArgs = [...(options.nodeArgs ?? []), '--import', register, ...options.command];
  return new Promise<TracedRunResult>((resolve, reject) => {
    const child = spawn(process.execPath, nodeArgs, { stdio: options.stdio ?? 'inherit', env: tracedEnv(options), cwd: options.cwd });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const ignore = (): void => undefined;
    process.on('SIGINT', ignore);
    process.on('SIGTERM', ignore);
    child.on('error', (error) => {
      process.off('SIGINT', ignore);
      process.off('SIGTERM', ignore);
      reject(error);
    });
    child.on('close', (code, signal) => {
      process.off('SIGINT', ignore);
      process.off('SIGTERM', ignore);
      resolve({ code, signal, stderr });
    });
  });
}
