// Row 6 of `npm run bench:cost`: the tiny async loop traced by the OpenTelemetry
// JS SDK configured the way its users configure it: NodeTracerProvider with a
// BatchSpanProcessor, registered with an AsyncLocalStorageContextManager, and a
// wrapper that makes each call the active span (tracer.startActiveSpan), inside
// an active root span. The exporter drops the batches: exporting is off the
// call path in both tracers, and a network exporter would only add noise.
import { trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { work } from 'bench-tiny-lib';
import { report } from './report.mjs';
import { runTinyLoop } from './tiny-loop-core.mjs';

const dropExporter = {
  export(_spans, done) {
    done({ code: 0 });
  },
  shutdown: async () => undefined,
};
const provider = new NodeTracerProvider({ spanProcessors: [new BatchSpanProcessor(dropExporter)] });
provider.register({ contextManager: new AsyncLocalStorageContextManager() });
const tracer = trace.getTracer('bench-cost');

/** What an OpenTelemetry instrumentation's wrapper of an async function does per call. */
function tracedWork(x) {
  return tracer.startActiveSpan('work', { attributes: { stage: 'detection' } }, (span) =>
    work(x).then(
      (value) => {
        span.end();
        return value;
      },
      (error) => {
        span.recordException(error);
        span.end();
        throw error;
      },
    ),
  );
}

const result = await tracer.startActiveSpan('run', async (root) => {
  try {
    return await runTinyLoop(tracedWork);
  } finally {
    root.end();
  }
});
await provider.shutdown();
report(result);
