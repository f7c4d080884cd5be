import type { StdioOptions } from 'node:child_process';
import { statSync } from 'node:fs';
import path from 'node:path';
import { RUN_PID_ENV } from '../reach/link.js';
import { loadTargetFile } from '../instrument/target-file.js';
import { TargetError } from '../instrument/target.js';
import { envFromSettings } from '../presets/options/env-codec.js';
import { RUN_OPTIONS, type RunSettings } from '../presets/options/run-options.js';
import { presetNames } from '../presets/registry.js';
import { CliError } from '../core/cli-error.js';

/**
 * How to run one script under a preset: in a child `node --import
 * stagescope/register` process (spawn-traced.ts) or in this one (run-here.ts).
 */
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

function statOrUndefined(file: string): ReturnType<typeof statSync> | undefined {
  try {
    return statSync(file);
  } catch {
    return undefined;
  }
}
