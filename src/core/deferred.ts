import { guarded } from './guarded.js';

/**
 * Work that belongs to a report, not to the call being traced: filling in an
 * attribute that needs the filesystem (an input file's size) or other slow I/O.
 * Hooks queue it here instead of doing it on the app's call path; the preset runs
 * the queue once, when the run ends, before the run document is built.
 *
 * Bounded: a process that never ends a run (a server) keeps at most
 * `MAX_DEFERRED` tasks; later ones are dropped (their attribute stays absent).
 * Dropping the newest keeps this O(1) on the call path.
 */
const MAX_DEFERRED = 10_000;

let queue: (() => void)[] = [];

export function deferToReport(task: () => void): void {
  if (queue.length < MAX_DEFERRED) queue.push(task);
}

/** Run and clear the queued tasks; a failing task is reported, the others still run. */
export function runDeferred(): void {
  const tasks = queue;
  queue = [];
  for (const task of tasks) guarded('SS_DEFERRED_FAILED', 'a deferred report task threw', task);
}
