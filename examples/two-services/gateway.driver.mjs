// gateway.mjs under stagescope, unedited: each request's tree (image resize with
// sharp, the fetch to the OCR service as a client span) joins the OCR service's
// tree in one trace. OTEL_EXPORTER_OTLP_ENDPOINT=http://localhost:4318 exports it.
import { SharpLatency } from 'stagescope';
import { traceService } from './trace-services.mjs';

await traceService(new SharpLatency(), new URL('./gateway.mjs', import.meta.url), 'ocr-gateway');
