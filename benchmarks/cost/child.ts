import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { summarizeRunDoc, type RunDocSummary } from './run-doc-summary.js';

/** Must match benchmarks/children/report.mjs. */
const RESULT_PREFIX = 'bench-cost-result ';

/** One variant of an experiment: a node command line run as its own process. */
export interface ChildSpec {
  /** node arguments (the node binary is this process's). */
  args: string[];
  /** Added to a clean environment (see `cleanEnv`). */
  env?: Record<string, string>;
  /** The child prints a `bench-cost-result {...}` line (loop rows); start-up rows only need the wall time. */
  expectsResult: boolean;
  /** Ask stagescope for the run document (STAGESCOPE_JSON) and summarise it. */
  runDocument: boolean;
  timeoutMs: number;
  /** The child's working directory, when not the repository's root (a bare `--import` specifier resolves from it). */
  cwd?: string;
}

export interface ChildOutcome {
  /** Whole process, spawn to exit, measured by the parent. */
  wallNs: number;
  /** The child's own figures (timed inside it with process.hrtime). */
  result: Record<string, unknown> | null;
  doc: RunDocSummary | null;
}

export class ChildFailed extends Error {
  override readonly name = 'ChildFailed';
}

/**
 * The environment a child starts from: ours without stagescope's and Node's
 * settings, so that a plain baseline is really plain (no --import from
 * NODE_OPTIONS, no STAGESCOPE_* left over from an outer `stagescope run`).
 */
export function cleanEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value === undefined || key.startsWith('STAGESCOPE_') || key.startsWith('OTEL_') || key === 'NODE_OPTIONS') continue;
    env[key] = value;
  }
  return env;
}

function tail(text: string, lines: number): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

/**
 * Run one child synchronously (the parent does nothing else meanwhile, so its
 * own work never competes with the measured process) and collect its figures.
 * Throws ChildFailed naming the command, the exit status and the end of stderr.
 */
/**
 * Variables every child of this bench run gets (cost.ts sets
 * STAGESCOPE_CODE_CACHE: a directory of the run's own, so what V8's code cache
 * holds does not depend on which traced process last ran on the machine).
 */
export const benchEnv: Record<string, string> = {};

export function runChild(spec: ChildSpec, defaultCwd: string, docFile: string, nodeBinary: string = process.execPath): ChildOutcome {
  const cwd = spec.cwd ?? defaultCwd;
  const env = { ...cleanEnv(), ...benchEnv, ...spec.env };
  if (spec.runDocument) env.STAGESCOPE_JSON = docFile;
  rmSync(docFile, { force: true });
  const start = process.hrtime.bigint();
  const child = spawnSync(nodeBinary, spec.args, {
    cwd,
    env,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: spec.timeoutMs,
    maxBuffer: 64 * 1024 * 1024,
  });
  const wallNs = Number(process.hrtime.bigint() - start);
  const command = `node ${spec.args.map((arg) => path.relative(cwd, arg) || arg).join(' ')}`;
  if (child.error !== undefined) throw new ChildFailed(`${command}: ${child.error.message}`);
  if (child.status !== 0) {
    const how =
      child.signal !== null
        ? `was killed by ${child.signal}${child.signal === 'SIGTERM' ? ` (timeout ${spec.timeoutMs / 1000} s?)` : ''}`
        : `exited with code ${child.status}`;
    throw new ChildFailed(`${command} ${how}; its stderr ended with:\n${tail(child.stderr, 8)}`);
  }
  let result: Record<string, unknown> | null = null;
  if (spec.expectsResult) {
    const line = child.stdout
      .split('\n')
      .reverse()
      .find((candidate) => candidate.startsWith(RESULT_PREFIX));
    if (line === undefined) throw new ChildFailed(`${command} printed no "${RESULT_PREFIX.trim()}" line; its stdout ended with:\n${tail(child.stdout, 4)}`);
    const parsed: unknown = JSON.parse(line.slice(RESULT_PREFIX.length));
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new ChildFailed(`${command}: its result is not a JSON object: ${line}`);
    result = parsed as Record<string, unknown>;
  }
  let doc: RunDocSummary | null = null;
  if (spec.runDocument) {
    let text: string;
    try {
      text = readFileSync(docFile, 'utf8');
    } catch {
      throw new ChildFailed(`${command}: stagescope wrote no run document to ${docFile}; its stderr ended with:\n${tail(child.stderr, 8)}`);
    }
    doc = summarizeRunDoc(JSON.parse(text), docFile);
    rmSync(docFile, { force: true });
  }
  return { wallNs, result, doc };
}

/** A number at `path` ("onnx.medianNs") in a child's result; throws naming the path if it is missing. */
export function resultNumber(outcome: ChildOutcome, path: string): number {
  let value: unknown = outcome.result;
  for (const key of path.split('.')) value = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new Error(`child result has no number at "${path}"`);
  return value;
}
