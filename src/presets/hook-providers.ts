import { createRequire } from 'node:module';
import { registerHookProvider } from '../instrument/hook-registry.js';

/**
 * Where each built-in hook family lives. Loaded with `require` (Node ≥ 20.19 /
 * 22.12 load ES modules synchronously that way) at the moment a target with one
 * of these hooks is patched: inside the library's own `require`/`import`, which
 * cannot wait for an asynchronous `import()`.
 */
const load = createRequire(import.meta.url);

registerHookProvider('onnx', () => load('./onnx/onnx-hooks.js'));
registerHookProvider('sharp', () => load('./sharp/sharp-hooks.js'));
registerHookProvider('guten', () => load('./paddle/guten-hooks.js'));
registerHookProvider('tesseract', () => load('./tesseract/tesseract-hooks.js'));
registerHookProvider('tfjs', () => load('./tfjs/tfjs-hooks.js'));
registerHookProvider('face-api', () => load('./tfjs/face-api-hooks.js'));
