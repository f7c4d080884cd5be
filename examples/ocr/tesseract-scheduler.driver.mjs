import { OcrLatency } from 'stagescope';
await new OcrLatency().run(new URL('./tesseract-scheduler.cjs', import.meta.url));
