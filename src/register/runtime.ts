/**
 * Everything the `--import` entries (register/ocr.ts, …, register/linked.ts)
 * start: the runtime. In the package it is one script,
 * build/bundle/register/runtime.js, that the entries compile with V8's code
 * cache (register/code-cache.ts, scripts/bundle-register.mjs); from build/src
 * (tests, a checkout) it is this ES module.
 */
import { createRequire } from 'node:module';
import type { CliRunOutcome } from './cli-run-mode.js';

export { presetNameFromEnv, startProcessMode } from './process-mode.js';

const require = createRequire(import.meta.url);

/** Linked mode (a worker or child of a traced run): required on first use, like process-mode does. */
export function startLinkedModeIfLinked(): boolean {
  return (require('./linked-mode.js') as typeof import('./linked-mode.js')).startLinkedModeIfLinked();
}

/** `stagescope run` in the CLI's own process (register/cli-run.ts): required on first use, like linked mode. */
export function runCliHere(argv: string[]): CliRunOutcome {
  return (require('./cli-run-mode.js') as { runCliHere: (argv: string[]) => CliRunOutcome }).runCliHere(argv);
}
