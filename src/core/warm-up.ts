import { storage } from './context.js';
import type { Span } from './span.js';

/**
 * Pay AsyncLocalStorage's one-time set-up now, when tracing starts, instead of
 * inside the first traced call: the first `run`/`enterWith` installs the async
 * hooks (Node < 24) and the first promise made in a context allocates the
 * context's bookkeeping, 0.4–0.7 ms measured on the first span of a run.
 */
export function warmUpContext(root: Span): void {
  storage.run(root, () => {
    void Promise.resolve().then(() => storage.getStore());
  });
}
