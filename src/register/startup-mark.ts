/** Where an `--import` entry leaves its start-up mark (core/warm-up.ts reads it). */
export const LOAD_START_GLOBAL = Symbol.for('stagescope.loadStartHrNs');

/**
 * When stagescope's start-up began: the first statement of the `--import`
 * entry, as `process.hrtime.bigint()`. The entry is a few KiB, so the module
 * loader reads and compiles it in about 0.3 ms; everything after (the runtime
 * compiled from its code cache, stagescope starting) is inside the figure.
 * `process.hrtime`, not `performance.now()`: Node makes the `performance`
 * object on first use, about 0.7 ms that belong inside the figure too.
 *
 * Not Node's `performance.nodeTiming.bootstrapComplete`: after it, Node's own
 * pre-execution takes about 1.9 ms in every process, traced or not (a bare
 * `node -e` script's first statement comes that long after it), so measured
 * from there the root line's `startup` read 1.28× the start-up that a bare
 * `node -e 0` comparison measures (bench:cost row 8). That mark was right
 * while the entry was a 440 KiB bundle whose compile came before its first
 * statement.
 */
export function markStartup(): void {
  (globalThis as { [LOAD_START_GLOBAL]?: bigint })[LOAD_START_GLOBAL] ??= process.hrtime.bigint();
}
