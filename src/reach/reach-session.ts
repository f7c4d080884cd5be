import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { BroadcastChannel } from 'node:worker_threads';
import { nowNs } from '../core/clock.js';
import { currentSpan } from '../core/context.js';
import { guarded } from '../core/guarded.js';
import type { RunDiagnostic, RunDocument } from '../core/run-document.js';
import type { Span } from '../core/span.js';
import { isReachBatch, type ReachBatch } from './foreign-run.js';
import { portableOptions, type ReachLink } from './link.js';
import { mergeForeignRuns, type ForeignRun } from './merge-foreign.js';
import type { ReachHost, ReachOptions } from './reach-host.js';
import { monotonicDiffNs, toMonotonicNs } from './mono-clock.js';
import { currentThread } from './current-thread.js';

const require = createRequire(import.meta.url);

/** Set by linked mode before its preset starts: this thread is itself a linked worker or child. */
let inheritedLink: ReachLink | null = null;

export function setInheritedLink(link: ReachLink | null): void {
  inheritedLink = link;
}

/** Prefix that makes this thread's span ids unique in its process's run document. */
export function threadIdPrefix(): string {
  const thread = currentThread();
  return thread.isMainThread ? '' : `w${thread.threadId}:`;
}

/**
 * Reach of one traced run beyond its thread: links the Worker threads and node
 * child processes the script starts, so they trace themselves with the same
 * preset, and merges what they send back into the run document when the run
 * finishes (docs/workers-and-processes.md).
 *
 * In a process's main thread the session owns the BroadcastChannel that its
 * workers (and their nested workers) post to, and the directory its child
 * processes write to. In a linked worker it only relays: the links it makes
 * point at its process's channel and directory.
 */
export class ReachSession {
  readonly #preset: ReachHost;
  readonly #options: ReachOptions;
  readonly #keptFields: readonly string[];
  /** Channel and directory names; made with the first link (see #names). */
  #reachNames: { channel: string; dir: string } | null = null;
  readonly #owner: boolean;
  readonly #inherited: ReachLink | null;
  #channel: BroadcastChannel | null = null;
  /** The patch modules, once installed. */
  #workerPatch: typeof import('./worker-patch.js') | null = null;
  #spawnPatch: typeof import('./spawn-patch.js') | null = null;
  #sequence = 0;
  #children = new Map<string, { link: ReachLink; pid: number | undefined }>();
  #dirMade = false;
  #active = false;
  /** Problems found while merging, added to the document's diagnostics. */
  #notes: RunDiagnostic[] = [];
  /** Worker batches delivered while the run went on. */
  #received: ReachBatch[] = [];
  #receivedSpans = 0;
  /** When linked workers of this thread stopped (this thread's clock). */
  #workerExits = new Map<string, { atNs: number; exitCode: number }>();
  #droppedSpans = 0;

  constructor(preset: ReachHost, options: ReachOptions, keptFields: readonly string[]) {
    this.#preset = preset;
    this.#options = options;
    this.#keptFields = keptFields;
    this.#inherited = inheritedLink;
    this.#owner = this.#inherited === null || this.#inherited.kind === 'process';
  }

  start(): void {
    this.#active = true;
  }

  /**
   * Link the node child processes this thread starts from now on (the spawn
   * patch). Called when the script first loads `child_process`; the worker
   * patch waits for `worker_threads` (sharp loads child_process to detect the C
   * library: a script that never starts a worker never loads worker_threads).
   */
  patchChildren(): void {
    if (!this.#active || this.#spawnPatch !== null) return;
    this.#spawnPatch = require('./spawn-patch.js') as typeof import('./spawn-patch.js');
    this.#spawnPatch.installSpawnPatch({
      linkChild: (label) => {
        const link = this.#link('process', label);
        if (link !== undefined && !this.#dirMade) {
          // Private: other users must not plant run documents for this run to merge.
          mkdirSync(link.dir, { recursive: true, mode: 0o700 });
          this.#dirMade = true;
        }
        return link;
      },
      childStarted: (link, pid) => {
        if (this.#owner) this.#children.set(link.linkId, { link, pid });
      },
    });
  }

  /** Link the Worker threads this thread starts from now on (the worker patch). */
  patchWorkers(): void {
    if (!this.#active || this.#workerPatch !== null) return;
    this.#workerPatch = require('./worker-patch.js') as typeof import('./worker-patch.js');
    this.#workerPatch.installWorkerPatch({
      linkWorker: (label) => this.#link('worker', label),
      workerExited: (link, exitCode) => {
        if (this.#owner) this.#workerExits.set(link.linkId, { atNs: nowNs(), exitCode });
      },
    });
  }

  /**
   * The names of the channel workers post to and of the directory children
   * write to, made when the script first starts a worker or child, not when the
   * reach starts (a library loading child_process starts it: sharp does, to
   * detect libc): the random name (node:crypto) and os.tmpdir() cost start-up
   * that most runs never use. In a linked worker: its parent's.
   */
  #names(): { channel: string; dir: string } {
    if (this.#reachNames !== null) return this.#reachNames;
    if (!this.#owner) return (this.#reachNames = { channel: this.#inherited!.channel, dir: this.#inherited!.dir });
    const { randomBytes } = require('node:crypto') as typeof import('node:crypto');
    const os = require('node:os') as typeof import('node:os');
    const unique = `${process.pid}-${randomBytes(4).toString('hex')}`;
    this.#reachNames = { channel: `stagescope-reach-${unique}`, dir: path.join(os.tmpdir(), `stagescope-reach-${unique}`) };
    return this.#reachNames;
  }

  /**
   * The channel itself, opened with the first linked worker (children write
   * files instead; a script that only forks never loads worker_threads for it).
   * Started by the listener (an unstarted channel receives nothing), then
   * unref'd so it never keeps the app alive; finish drains what is still queued.
   */
  #openChannel(name: string): void {
    if (!this.#owner || this.#channel !== null) return;
    const { BroadcastChannel: Channel } = require('node:worker_threads') as typeof import('node:worker_threads');
    this.#channel = new Channel(name);
    this.#channel.onmessage = (event: unknown) => {
      const value = (event as { data?: unknown }).data;
      if (isReachBatch(value)) this.#receive(value);
    };
    (this.#channel as unknown as { unref?: () => void }).unref?.();
  }

  /**
   * Keep a worker batch until the run finishes, within the same bound as the
   * recorder (a long-running server with a worker pool must not grow without
   * end): past it, a batch's spans are dropped and counted, its totals kept.
   */
  #receive(batch: ReachBatch): void {
    if (this.#receivedSpans + batch.spans.length > this.#preset.tracer.recorder.maxSpans) {
      this.#droppedSpans += batch.spans.length;
      batch.spans = [];
    }
    this.#receivedSpans += batch.spans.length;
    this.#received.push(batch);
  }

  #link(kind: 'worker' | 'process', label: string): ReachLink | undefined {
    if (!this.#active) return undefined;
    const parent: Span | null = currentSpan() ?? this.#preset.tracer.ambientRoot ?? this.#preset.root;
    if (parent === null) return undefined;
    this.#sequence += 1;
    const names = this.#names();
    if (kind === 'worker') this.#openChannel(names.channel);
    return {
      linkId: `${process.pid}-${currentThread().threadId}-${this.#sequence}`,
      kind,
      parentSpanId: threadIdPrefix() + parent.id,
      channel: names.channel,
      dir: names.dir,
      preset: this.#preset.name,
      options: portableOptions(this.#options, this.#keptFields),
      basedirs: [...this.#preset.instrumenter.basedirs],
      label,
    };
  }

  /**
   * Stop linking new workers/children and merge what the linked ones sent into
   * `doc` (in place). Synchronous (runs in an `exit` handler): worker batches
   * are drained from the channel, child documents read from the directory.
   */
  finishInto(doc: RunDocument, root: Span): void {
    if (!this.#active) return;
    this.#active = false;
    this.#workerPatch?.uninstallWorkerPatch();
    this.#spawnPatch?.uninstallSpawnPatch();
    if (!this.#owner) return;
    // No worker or child was ever linked from this thread: nothing can have been sent.
    // (A worker's own children write to this process's directory, but a worker
    // exists only if this thread linked it.)
    const names = this.#reachNames;
    if (names === null) {
      doc.diagnostics.push(...this.#notes.splice(0));
      return;
    }
    const batches: ReachBatch[] = this.#received.splice(0);
    const channel = this.#channel;
    if (channel !== null) {
      const { receiveMessageOnPort } = require('node:worker_threads') as typeof import('node:worker_threads');
      for (let message = receiveMessageOnPort(channel as never); message !== undefined; message = receiveMessageOnPort(channel as never)) {
        const value: unknown = (message as { message: unknown }).message;
        if (isReachBatch(value)) this.#receive(value);
      }
      batches.push(...this.#received.splice(0));
      doc.droppedSpans += this.#droppedSpans;
      // Not closed: closing a handle makes the loop alive again, so Node would emit
      // `beforeExit` once more and the app's own listeners would run twice (this
      // runs inside beforeExit). Unref'd, it costs nothing; the listener stops collecting.
      channel.onmessage = () => undefined;
      this.#channel = null;
    }
    // Read even when this thread made no child: a worker of this process may have.
    if (existsSync(names.dir)) {
      batches.push(...this.#readChildDocuments(names.dir));
      try {
        rmSync(names.dir, { recursive: true, force: true });
      } catch {
        // a leftover temp dir is not worth failing the run for
      }
    }
    doc.diagnostics.push(...this.#notes.splice(0));
    if (batches.length === 0) return;
    const rootStart = toMonotonicNs(root.startNs);
    const bySource = new Map<string, ReachBatch[]>();
    for (const batch of batches) {
      let list = bySource.get(batch.linkId);
      if (list === undefined) bySource.set(batch.linkId, (list = []));
      list.push(batch);
    }
    const runs: ForeignRun[] = [...bySource.values()].map((list) => {
      const run: ForeignRun = { batches: list, shiftNs: monotonicDiffNs(list[0]!.rootStartMonotonicNs, rootStart) };
      const exit = this.#workerExits.get(list[0]!.linkId);
      if (exit !== undefined) run.exit = { atNs: exit.atNs - root.startNs, exitCode: exit.exitCode };
      return run;
    });
    mergeForeignRuns(doc, runs);
  }

  #readChildDocuments(dir: string): ReachBatch[] {
    const batches: ReachBatch[] = [];
    let names: string[];
    try {
      names = readdirSync(dir).filter((name) => name.endsWith('.json'));
    } catch {
      return batches;
    }
    const reported = new Set<string>();
    for (const name of names) {
      const file = path.join(dir, name);
      try {
        const value: unknown = JSON.parse(readFileSync(file, 'utf8'));
        if (!isReachBatch(value)) throw new Error('not a stagescope reach document');
        batches.push(value);
        reported.add(value.linkId);
      } catch (error) {
        this.#notes.push({
          code: 'SS_REACH_CHILD_UNREADABLE',
          message: `the run document of a child process (${file}) could not be read: ${String(error)}; its spans are missing`,
        });
      }
    }
    for (const [linkId, { link, pid }] of this.#children) {
      if (reported.has(linkId)) continue;
      this.#notes.push({
        code: 'SS_REACH_CHILD_MISSING',
        message: `child process ${link.label}${pid === undefined ? '' : ` (pid ${pid})`} sent no spans: it was still running when the run ended (detached?), was killed, or failed to start; its work is not in this run`,
      });
    }
    return batches;
  }
}

/** Start reach for a preset's run (called by `Preset.start`); never throws into the app. */
export function startReach(preset: ReachHost, options: ReachOptions, keptFields: readonly string[]): ReachSession | null {
  return guarded(
    'SS_REACH_FAILED',
    'workers and child processes will not be traced',
    () => {
      const session = new ReachSession(preset, options, keptFields);
      session.start();
      return session;
    },
    null,
  );
}
