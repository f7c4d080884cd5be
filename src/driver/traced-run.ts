import type { RunDocument } from '../core/run-document.js';
import type { Span } from '../core/span.js';
import type { Tracer } from '../core/tracer.js';

/**
 * What the driver needs of the run it drives: a `Preset` is one. The driver
 * starts it, records the error that ended the script, finishes it when the
 * script's work is over, and reads it for a crash snapshot. Declared here so
 * the driver sits below the presets that use it.
 */
export interface TracedRun {
  /** The preset's name, for the run document. */
  readonly name: string;
  readonly tracer: Tracer;
  /** The root span, once started. */
  readonly root: Span | null;
  /** Where the run document is written, if anywhere (a crash snapshot goes there too). */
  readonly jsonFile: string | undefined;
  /** Start tracing and open the root span; `basedir` is the script's folder. */
  start(command: string[], basedir?: string): Span;
  /** Record the error that ended the run. */
  setError(error: unknown): void;
  /** End the run (idempotent, synchronous: it may run in an `exit` handler). */
  finish(exitCode: number | null): RunDocument;
}
