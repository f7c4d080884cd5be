// A reference variant of the OCR loop (`npm run bench:cost`, row 8): the
// OpenTelemetry JS SDK around the same calls stagescope's ocr preset wraps,
// loaded with --import before ocr-loop.mjs. OpenTelemetry has no
// instrumentation for onnxruntime or sharp, so its users write this wrapper
// themselves: NodeTracerProvider with a BatchSpanProcessor, registered with an
// AsyncLocalStorageContextManager (as in tiny-otel.mjs), and
// `tracer.startActiveSpan` around `InferenceSession.prototype.run` and sharp's
// `_pipeline` (every sharp output goes through it), inside an active root span
// for the whole script. The exporter drops the batches: exporting is off the
// call path in both tracers.
//
// The loop loads sharp and onnxruntime-node through CommonJS
// (examples/ocr/lib/paddle-pipeline.cjs), so these are the CommonJS classes.
import { context, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const dropExporter = {
  export(_spans, done) {
    done({ code: 0 });
  },
  shutdown: async () => undefined,
};
const provider = new NodeTracerProvider({ spanProcessors: [new BatchSpanProcessor(dropExporter)] });
const contextManager = new AsyncLocalStorageContextManager();
provider.register({ contextManager });
const tracer = trace.getTracer('bench-cost');
let ended = 0;

function wrap(prototype, method, name) {
  const original = prototype[method];
  prototype[method] = function (...args) {
    // Parented to the active span, or to the run's root span when there is none.
    const parent = trace.getSpan(context.active()) === undefined ? rootContext : context.active();
    return tracer.startActiveSpan(name, {}, parent, (span) => {
      let result;
      try {
        result = original.apply(this, args);
      } catch (error) {
        span.recordException(error);
        span.end();
        ended++;
        throw error;
      }
      if (result !== null && typeof result === 'object' && typeof result.then === 'function') {
        result.then(
          () => {
            span.end();
            ended++;
          },
          (error) => {
            span.recordException(error);
            span.end();
            ended++;
          },
        );
      } else {
        span.end(); // callback and stream modes: ended at dispatch, as a simple wrapper does
        ended++;
      }
      return result;
    });
  };
}

wrap(require('onnxruntime-node').InferenceSession.prototype, 'run', 'InferenceSession.run');
wrap(require('sharp').prototype, '_pipeline', 'sharp.pipeline');

// Every span has a parent, as stagescope's spans have its root span `run`: a
// call outside any span is parented to a root span for the whole script (a
// preload cannot wrap the script in `context.with`).
const root = tracer.startSpan('run');
const rootContext = trace.setSpan(ROOT_CONTEXT, root);
let shutDown = false;
process.on('beforeExit', () => {
  if (shutDown) return;
  shutDown = true;
  root.end();
  void provider.shutdown(); // flushes the batch, as an app's shutdown hook does
});
process.on('exit', () => {
  if (ended === 0) process.exitCode = 1; // the wrappers never ran: the reference would be meaningless
});
