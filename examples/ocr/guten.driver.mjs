import { OcrLatency } from 'stagescope';
await new OcrLatency().run(new URL('./guten.mjs', import.meta.url));
