import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunDocument } from '../src/core/run-document.js';
import type { SpanRecord } from '../src/core/types.js';
import type { WrapSpec } from '../src/instrument/wrap.js';

/**
 * A span record with the defaults of a plain finished span (no stage, target,
 * error, metrics or attributes); tests give the fields they care about.
 */
export function spanRecord(fields: Pick<SpanRecord, 'id' | 'parentId' | 'name' | 'startNs' | 'durationNs'> & Partial<SpanRecord>): SpanRecord {
  return { traceId: 't', stage: null, target: null, selfNs: 0, status: 'ok', error: null, metrics: {}, attributes: {}, ...fields };
}

/** Repository root (tests run from build/test/). */
export const repoRoot: string = fileURLToPath(new URL('../../', import.meta.url));
export const cliPath: string = path.join(repoRoot, 'build/src/cli/main.js');

export function fixture(...parts: string[]): string {
  return path.join(repoRoot, 'test/fixtures', ...parts);
}

/** Folders made by `tempDir` in this test process, removed when it exits. */
const madeDirs: string[] = [];
process.on('exit', () => {
  for (const dir of madeDirs) {
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // a folder still in use by a child process on its way out: the OS cleans /tmp
    }
  }
});

/** A new folder under the OS temp folder, removed when the test process exits (they piled up by the thousand). */
export function tempDir(prefix = 'stagescope-test-'): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  madeDirs.push(dir);
  return dir;
}

export interface ProcessResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Run `node ...args` in a child process (clean module state) and collect its output. */
export function runNode(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      cwd: options.cwd ?? repoRoot,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: options.timeoutMs ?? 120_000,
    });
    let stdout = '';
    let stderr = '';
    // Decoded as a stream: a pipe's reads end every 64 KiB, and a character
    // they split (a tree's ├, µ or ⚙) came out of a chunk-by-chunk decode as
    // two replacement characters (a CI failure of cost-accounting.test.ts).
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => (stdout += chunk));
    child.stderr.on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** Run the stagescope CLI. */
export function runCli(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<ProcessResult> {
  return runNode([cliPath, ...args], options);
}

/**
 * The same script plain (`node script`) and under `stagescope run` with
 * `cliArgs`, the traced run writing its document to a temp `json`. Asserts the
 * plain run exits 0 and the traced one with the same code and stdout
 * (`why` says what stdout holds), and that one tree was printed.
 */
export async function runPlainAndTraced(
  script: string,
  cliArgs: string[],
  why: string,
): Promise<{ plain: ProcessResult; traced: ProcessResult; json: string }> {
  const plain = await runNode([script]);
  assert.equal(plain.code, 0, plain.stderr);
  const json = path.join(tempDir(), 'run.json');
  const traced = await runCli(['run', ...cliArgs, '--json', json, '--', script]);
  assert.equal(traced.code, plain.code, traced.stderr);
  assert.equal(traced.stdout, plain.stdout, why);
  assert.equal(traced.stderr.match(/● run \(/g)?.length, 1, 'one printed tree: workers and children print none');
  return { plain, traced, json };
}

export function readRun(file: string): RunDocument {
  return JSON.parse(readFileSync(file, 'utf8')) as RunDocument;
}

/** The spans of a run keyed by id, and helpers to walk parentage. */
export function spanIndex(doc: RunDocument): {
  byId: Map<string, SpanRecord>;
  root: SpanRecord;
  children: (span: SpanRecord) => SpanRecord[];
  named: (name: string | RegExp) => SpanRecord[];
} {
  const byId = new Map(doc.spans.map((span) => [span.id, span]));
  const root = doc.spans.find((span) => span.parentId === null);
  if (root === undefined) throw new Error('run document has no root span');
  return {
    byId,
    root,
    children: (span) => doc.spans.filter((child) => child.parentId === span.id).sort((a, b) => a.startNs - b.startNs),
    named: (name) => doc.spans.filter((span) => (typeof name === 'string' ? span.name === name : name.test(span.name))),
  };
}

/** Every span ends inside its parent (within `slackNs` for clock reads). */
export function assertChildrenWithinParents(doc: RunDocument, slackNs = 50_000): void {
  const byId = new Map(doc.spans.map((span) => [span.id, span]));
  for (const span of doc.spans) {
    if (span.parentId === null) continue;
    const parent = byId.get(span.parentId);
    if (parent === undefined) throw new Error(`span ${span.id} (${span.name}) has a missing parent ${span.parentId}`);
    if (span.startNs + slackNs < parent.startNs || span.startNs + span.durationNs > parent.startNs + parent.durationNs + slackNs) {
      throw new Error(
        `span ${span.name} [${span.startNs}, +${span.durationNs}] is outside its parent ${parent.name} [${parent.startNs}, +${parent.durationNs}]`,
      );
    }
  }
}

/** A recorded wrapper spec for `wrapFunction` in unit tests: target `test#<name>`, no stage, no hook. */
export function wrapSpec(name: string, extra: Partial<WrapSpec> = {}): WrapSpec {
  return {
    name,
    stage: null,
    target: `test#${name}`,
    record: true,
    callback: false,
    hook: undefined,
    onResult: undefined,
    switch: { enabled: true },
    ...extra,
  };
}

/**
 * A Promise class whose `then` calls `spin` first: whoever registers a reaction
 * on one of its promises (a wrapper on the promise its call returned) spends
 * that time, which a test can then find where it must be counted.
 */
export function slowThenPromise(spin: () => void): { resolve<T>(value: T): Promise<T> } {
  return class SlowThen<T> extends Promise<T> {
    override then<A = T, B = never>(ok?: ((value: T) => A | PromiseLike<A>) | null, failed?: ((reason: unknown) => B | PromiseLike<B>) | null): Promise<A | B> {
      spin();
      return super.then(ok, failed);
    }
  };
}
