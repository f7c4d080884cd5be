// The comparison point for `npm run bench:serve`: server.mjs under the
// OpenTelemetry SDK's automatic HTTP server spans (NodeTracerProvider +
// HttpInstrumentation, BatchSpanProcessor, an exporter that drops spans), the
// way an app typically adds tracing today. Like server.driver.mjs, the server
// file is not edited.
import { createRequire } from 'node:module';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { BatchSpanProcessor, NodeTracerProvider } from '@opentelemetry/sdk-trace-node';

/** Accepts every batch and sends it nowhere: we measure the SDK, not a network. */
const noopExporter = {
  export(_spans, resultCallback) {
    resultCallback({ code: 0 });
  },
  shutdown() {
    return Promise.resolve();
  },
};

const provider = new NodeTracerProvider({ spanProcessors: [new BatchSpanProcessor(noopExporter)] });
provider.register();
registerInstrumentations({ instrumentations: [new HttpInstrumentation()] });
// HttpInstrumentation patches `http` when it is require()d; the server imports it
// as ESM, so load it once through require: the patch is on the shared prototype.
createRequire(import.meta.url)('node:http');

await import('./server.mjs');
