// Shared by the two drivers: serve an unmodified server script under a preset,
// with W3C trace context in and out (so the two services' request trees are one
// trace) and, when OTEL_EXPORTER_OTLP_ENDPOINT (or ..._TRACES_ENDPOINT) is set,
// every request tree exported over OTLP to a collector, Jaeger or Tempo.
import { ServeScope, W3CTraceContextPropagator } from 'stagescope';
import { OtlpSpanExporter } from 'stagescope/export';

export async function traceService(preset, script, serviceName) {
  const scope = new ServeScope(preset, { propagator: new W3CTraceContextPropagator() }).instrumentHttpServers();
  const endpoint = process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
  let otlp;
  if (endpoint !== undefined && endpoint !== '') {
    // Batches go out within a second (flushIntervalMs default), so a request shows up in Jaeger/Tempo right away.
    otlp = new OtlpSpanExporter({ serviceName, protocol: process.env.OTEL_EXPORTER_OTLP_PROTOCOL === 'http/json' ? 'http/json' : 'http/protobuf' });
    otlp.subscribe(scope);
  }
  try {
    await preset.run(script);
  } finally {
    // The exporter's sockets are unref'd (an export never keeps a finished app
    // alive); hold the process open, bounded, until the last batch is sent.
    const hold = setTimeout(() => undefined, 30_000);
    await otlp?.shutdown();
    clearTimeout(hold);
  }
}
