import { OcrLatency } from 'stagescope';
await new OcrLatency().run(new URL('./paddle-onnx.mjs', import.meta.url));
