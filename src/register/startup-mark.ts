import { LOAD_START_KEY } from '../core/process-marks.js';

/**
 * When stagescope's start-up began, as `process.hrtime.bigint()`: the first
 * line of the `--import` entry (the bundled entries set it in their first line,
 * scripts/bundle-register.mjs, before they make `require` and load the
 * builtins they need; this call is for the entries run from build/src), or the
 * CLI's first statement (cli/main.ts). It ends when Node starts loading
 * the script (core/process-marks.ts, SCRIPT_START_KEY). `process.hrtime`, not
 * `performance.now()`: Node makes the `performance` object on first use, about
 * 0.7 ms.
 *
 * Not Node's `performance.nodeTiming.bootstrapComplete`: reading it makes the
 * `performance` object. What Node does between its bootstrap and the entry's
 * first line (the `--import` machinery, resolving `stagescope/register/…`) is
 * added when the run is reported, from that milestone, for a CommonJS script
 * or `-e` code, which Node would have loaded without its ES module loader
 * (`overhead.startupImportNs`, core/process-marks.ts `sinceBootstrapNs`):
 * bench:cost row 8 compares the figure with when the script's first
 * statement runs, traced and plain.
 */
export function markStartup(): void {
  (globalThis as { [LOAD_START_KEY]?: bigint })[LOAD_START_KEY] ??= process.hrtime.bigint();
}
