import type { Tracer } from '../core/tracer.js';

/** A hook family's per-scope state: `scope.state(KEY)` creates it on first use. */
export interface HookStateKey<T> {
  /** For messages and debugging (`tesseract`, `onnx`). */
  readonly name: string;
  readonly create: (scope: HookScope) => T;
}

/** Declare a hook family's state (once, at module level: the key, not the state). */
export function hookState<T>(name: string, create: (scope: HookScope) => T): HookStateKey<T> {
  return { name, create };
}

/**
 * What the hooks of one preset share: its tracer, and each hook family's state
 * (tesseract.js's worker logs and job progress, onnxruntime's sessions and the
 * op profiler). One per `Instrumenter`, handed to every hook call as
 * `call.scope`: two presets in one process never see each other's state, and
 * a hook that must create spans after the fact (derived phases) has the tracer
 * they belong to.
 */
export class HookScope {
  readonly tracer: Tracer;
  readonly #states = new Map<HookStateKey<unknown>, unknown>();

  constructor(tracer: Tracer) {
    this.tracer = tracer;
  }

  /** The state of a hook family in this scope, created by its key on first use. */
  state<T>(key: HookStateKey<T>): T {
    // One lookup on the call path (hooks ask on every call); no state is undefined.
    const known = this.#states.get(key);
    if (known !== undefined) return known as T;
    const value = key.create(this);
    this.#states.set(key, value);
    return value;
  }
}
