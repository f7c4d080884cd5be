import { createRequire } from 'node:module';

/**
 * Modules a preset needs only at the end of a run (renderers, writers), only
 * with an option (probes), or only under one driver (the API's `run()`): loaded
 * on first use instead of when stagescope starts. Start-up is paid by every
 * traced process, even `node --import stagescope/register/ocr -e 0`; these
 * modules and what they import were most of the 190 ms of `import('stagescope')`
 * measured in issue "Cost of observation".
 *
 * `require` of an ES module is synchronous (Node ≥ 20.19 / 22.12), which the
 * `exit` path needs; a module already loaded by `import` is the same instance.
 */
// \`require\` with a literal path, so that the register bundle (scripts/bundle-register.mjs)
// resolves it to a module inside the bundle, evaluated on first call.
const require = createRequire(import.meta.url);

function once<T>(loadModule: () => unknown): () => T {
  let module: T | undefined;
  return () => (module ??= loadModule() as T);
}

export const lazyModules = {
  textTree: once<typeof import('../render/text-tree.js')>(() => require('../render/text-tree.js')),
  probeAnnotation: once<typeof import('../render/probe-annotation.js')>(() => require('../render/probe-annotation.js')),
  writeOutputs: once<typeof import('../render/write-outputs.js')>(() => require('../render/write-outputs.js')),
  atomicWrite: once<typeof import('../render/atomic-write.js')>(() => require('../render/atomic-write.js')),
  probeSession: once<typeof import('../probes/probe-session.js')>(() => require('../probes/probe-session.js')),
  probeRegistry: once<typeof import('../probes/registry.js')>(() => require('../probes/registry.js')),
  runScript: once<typeof import('../driver/run-script.js')>(() => require('../driver/run-script.js')),
};
