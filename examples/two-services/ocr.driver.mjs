// The OCR service (examples/serve/server.mjs, unedited) under stagescope: its
// request trees (det -> cls -> rec) continue the gateway's trace (traceparent).
import { OcrLatency } from 'stagescope';
import { traceService } from './trace-services.mjs';

await traceService(new OcrLatency(), new URL('../serve/server.mjs', import.meta.url), 'ocr-service');
