import type { Tracer } from '../core/tracer.js';
import { installHttpClientHooks, uninstallHttpClientHooks } from './outgoing-http.js';
import { installUndiciHooks, uninstallUndiciHooks } from './outgoing-undici.js';
import { activeOutgoing, setActiveOutgoing, type OutgoingConfig } from './outgoing-span.js';
import type { TraceContextPropagator } from '../core/request-events.js';

/**
 * Trace outgoing HTTP calls (`fetch`/undici, `http.request`, `https.request`
 * and their `get`) made inside a span: each gets a client span in the caller's
 * tree and carries the propagator's headers (W3C `traceparent` with the same
 * trace id), so the next service's request tree joins this trace. Installed by
 * the serving middleware when it has a propagator. Returns the uninstall
 * function (the last installed scope is the active one).
 *
 * @example
 * const uninstall = installOutgoingPropagation(preset.tracer, new W3CTraceContextPropagator());
 */
export function installOutgoingPropagation(tracer: Tracer, propagator: TraceContextPropagator): () => void {
  const config: OutgoingConfig = { tracer, propagator };
  setActiveOutgoing(config);
  installHttpClientHooks();
  installUndiciHooks();
  return () => {
    if (activeOutgoing() !== config) return;
    setActiveOutgoing(null);
    uninstallHttpClientHooks();
    uninstallUndiciHooks();
  };
}
