/**
 * The reliability matrix: run one scenario script plain (`node script`) and
 * traced four ways (the CLI in its own process and with a child node,
 * `node --import stagescope/register`, the API driver), and compare what an observer of the process sees: stdout, stderr
 * (stagescope's own `stagescope:` lines removed), exit code and signal. The
 * run document is parsed back for the traced modes.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { RunDocument } from '../../src/core/run-document.js';
import { cliPath, fixture, repoRoot, tempDir } from '../helpers.js';

/** `cli` runs the script in the CLI's own process; `cli-child` in a child node (`--separate-process`). */
export type Mode = 'plain' | 'cli' | 'cli-child' | 'import' | 'api';
export const TRACED_MODES: readonly Exclude<Mode, 'plain'>[] = ['cli', 'cli-child', 'import', 'api'];

export const targets = fixture('targets/fake.yaml');

export function scenario(name: string): string {
  return fixture('behaviour', name);
}

export interface Launch {
  argv: string[];
  env: NodeJS.ProcessEnv;
  /** The run document (traced modes). */
  json: string | undefined;
}

export interface LaunchOptions {
  /** `stagescope run` options before `--` (cli mode). */
  cliOptions?: string[];
  /** Extra STAGESCOPE_* variables (import mode) or env for every mode. */
  env?: NodeJS.ProcessEnv;
  /** Target file (default the fake libraries' fake.yaml). */
  targets?: string;
  /** Print the text tree (on stderr) in the traced modes. Default false (quiet). */
  tree?: boolean;
}

/** The command line of one scenario in one mode. */
export function launch(mode: Mode, script: string, args: string[] = [], options: LaunchOptions = {}): Launch {
  const json = mode === 'plain' ? undefined : path.join(tempDir('stagescope-behaviour-'), 'run.json');
  const targetFile = options.targets ?? targets;
  const env: NodeJS.ProcessEnv = { BEHAVIOUR_TARGETS: targetFile, ...(options.tree === true ? { BEHAVIOUR_TREE: '1' } : {}), ...options.env };
  const quiet = options.tree === true ? [] : ['--quiet'];
  switch (mode) {
    case 'plain':
      return { argv: [script, ...args], env, json };
    case 'cli':
    case 'cli-child': {
      const cliOptions = [...(mode === 'cli-child' ? ['--separate-process'] : []), ...(options.cliOptions ?? [])];
      return { argv: [cliPath, 'run', '--targets', targetFile, '--json', json!, ...quiet, ...cliOptions, '--', script, ...args], env, json };
    }
    case 'import':
      return {
        argv: ['--import', 'stagescope/register', script, ...args],
        env: { STAGESCOPE_TARGETS: targetFile, STAGESCOPE_JSON: json, STAGESCOPE_QUIET: options.tree === true ? '0' : '1', ...env },
        json,
      };
    case 'api':
      return { argv: [scenario('api-driver.mjs'), json!, script, ...args], env, json };
  }
}

export interface Observed {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  /** stderr without stagescope's own lines. */
  stderr: string;
  /** stagescope's own stderr lines. */
  stagescopeLines: string[];
  doc: RunDocument | undefined;
  pid: number;
}

export interface RunOptions {
  /** Called once `ready` appears on stdout, with the pid of the process started. */
  onReady?: (pid: number) => void;
  timeoutMs?: number;
}

/** Start it, wait for it to end, observe. */
export function observe(spec: Launch, options: RunOptions = {}): Promise<Observed> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, spec.argv, {
      cwd: repoRoot,
      env: { ...process.env, NODE_OPTIONS: '', ...spec.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: options.timeoutMs ?? 60_000,
    });
    let stdout = '';
    let stderr = '';
    let ready = false;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      if (!ready && /^ready\b/m.test(stdout)) {
        ready = true;
        options.onReady?.(child.pid!);
      }
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const lines = stderr.split(/(?<=\n)/);
      const own = lines.filter((line) => line.startsWith('stagescope:'));
      const doc = spec.json !== undefined && existsSync(spec.json) ? (JSON.parse(readFileSync(spec.json, 'utf8')) as RunDocument) : undefined;
      resolve({
        code,
        signal,
        stdout,
        stderr: lines.filter((line) => !line.startsWith('stagescope:')).join(''),
        stagescopeLines: own.map((line) => line.trimEnd()),
        doc,
        pid: child.pid!,
      });
    });
  });
}

/**
 * Node prints the frames of its own module runner; where the API driver starts
 * the script they differ by design. The CommonJS hook's frame (`stagescopeLoad
 * [as _load]`) is under every module CommonJS loads while tracing is on, the
 * script itself too when Node loads it through `Module._load` (docs/running.md,
 * known limitations).
 */
export function withoutInternalFrames(stderr: string): string {
  return stderr
    .split('\n')
    .filter((line) => !/^\s+at .*(node:internal|\/build\/src\/|api-driver\.mjs|stagescopeLoad \[as _load\])/.test(line))
    .join('\n');
}

/** The names of a document's spans, in start order. */
export function spanNames(doc: RunDocument | undefined): string[] {
  return (doc?.spans ?? [])
    .slice()
    .sort((a, b) => a.startNs - b.startNs)
    .map((span) => span.name);
}

/**
 * Has the process with this pid ended? Signal 0 probes without signalling; an
 * exited orphan that PID 1 has not reaped yet (a zombie: on this CI's VM init
 * that took ~2 s idle) still answers it, so /proc says whether it is one.
 */
export function processGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
  } catch {
    return false; // no /proc (not Linux): signal 0 is all there is
  }
}
