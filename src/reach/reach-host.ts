import type { Span } from '../core/span.js';
import type { Tracer } from '../core/tracer.js';
import type { TargetSpec } from '../instrument/target.js';

/**
 * What reach needs of the run that starts it: a `Preset` is one. Declared
 * here so reach sits below the presets that start it.
 */
export interface ReachHost {
  /** The preset's name: linked workers and children trace with the same preset. */
  readonly name: string;
  readonly tracer: Tracer;
  /** The run's root span, once started. */
  readonly root: Span | null;
  /** Where packages are resolved from (the traced script's folder first). */
  readonly instrumenter: { readonly basedirs: readonly string[] };
}

/**
 * The run's options as given: their portable part is handed to linked workers
 * and children (link.ts). Any other field is handed on when it is a primitive
 * value, unless the run names it as kept for itself.
 */
export interface ReachOptions {
  targets?: ReadonlyArray<string | TargetSpec> | undefined;
  builtInTargets?: boolean | undefined;
  maxSpans?: number | undefined;
  maxOverheadPct?: number | undefined;
  probes?: ReadonlyArray<unknown> | undefined;
  /** Model → stage rules (`{ match, stage }`): a worker's sessions get the same stages. */
  models?: ReadonlyArray<{ match: string; stage: string }> | undefined;
}
