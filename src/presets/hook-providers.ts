import { createRequire } from 'node:module';
import { registerHookProvider } from '../instrument/hook-registry.js';

/**
 * Where each built-in hook family lives (the per-library code under onnx/,
 * sharp/, paddle/, tesseract/, tfjs/). Registered for every preset, the
 * `custom` one included: a target file of one's own may name a built-in hook
 * (`hook: onnx.session-run`, as docs/target-files.md shows) whatever the
 * preset. A family's module is loaded with `require` (Node ≥ 20.19 / 22.12
 * load ES modules synchronously that way) at the moment a target with one of
 * its hooks is patched: inside the library's own `require`/`import`, which
 * cannot wait for an asynchronous `import()`. Until then a family costs one
 * map entry.
 */
const require = createRequire(import.meta.url);

registerHookProvider('onnx', () => require('./onnx/onnx-hooks.js'));
registerHookProvider('sharp', () => require('./sharp/sharp-hooks.js'));
registerHookProvider('guten', () => require('./paddle/guten-hooks.js'));
registerHookProvider('tesseract', () => require('./tesseract/tesseract-hooks.js'));
registerHookProvider('tfjs', () => require('./tfjs/tfjs-hooks.js'));
registerHookProvider('face-api', () => require('./tfjs/face-api-hooks.js'));
