import { OcrLatency } from 'stagescope';
await new OcrLatency().run(new URL('./tesseract.mjs', import.meta.url));
