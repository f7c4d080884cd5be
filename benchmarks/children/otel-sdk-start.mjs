// Row 1's OpenTelemetry reference of `npm run bench:cost`: the OpenTelemetry
// SDK started before the app the way its Node.js documentation starts it
// (`node --import ./instrumentation.mjs app.js`, with a NodeSDK and an OTLP
// trace exporter), timed on `-e 0` like stagescope's row.
//
// The documentation also passes getNodeAutoInstrumentations(), from
// @opentelemetry/auto-instrumentations-node, which is not a dependency here and
// loads some 40 instrumentation packages more: this is the SDK's own share, a
// lower bound for that setup. Nothing is exported (no span is made); the
// exporter's address is one where nothing listens.
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { NodeSDK } from '@opentelemetry/sdk-node';

const sdk = new NodeSDK({ traceExporter: new OTLPTraceExporter({ url: 'http://127.0.0.1:9/v1/traces' }) });
sdk.start();
