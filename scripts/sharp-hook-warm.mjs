#!/usr/bin/env node
// What naming a sharp pipeline costs on warm caches: the `sharp.pipeline`
// hook's afterCall (presets/sharp/sharp-hooks.ts), called in a tight loop on
// a fresh real instance each time, `sharp(png).resize(32, 32).raw()`, as the
// wrapper calls it after `_pipeline`. docs/overhead.md, "The call path", sets
// this beside what the same hook takes where it runs in bench:cost's paired
// model loop (M14). Needs `npm run build`.
//
//   node scripts/sharp-hook-warm.mjs [calls=20000] [rounds=5] [same]
//
// `same`: one instance for every call (its options object's lookups then hit
// V8's inline caches; sharp's options on fresh instances never do).
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import sharp from 'sharp';

const root = fileURLToPath(new URL('../', import.meta.url));
const arg = (name, fallback) => {
  const found = process.argv.slice(2).find((text) => text.startsWith(`${name}=`));
  const value = found === undefined ? fallback : Number(found.slice(name.length + 1));
  if (!Number.isInteger(value) || value < 1) {
    process.stderr.write(`sharp-hook-warm: ${name} must be an integer ≥ 1, got "${found}"\n`);
    process.exit(2);
  }
  return value;
};
const calls = arg('calls', 20_000);
const rounds = arg('rounds', 5);
const same = process.argv.includes('same');
const built = (file) => pathToFileURL(path.join(root, 'build', 'src', file)).href;

let modules;
try {
  await import(built('presets/hook-providers.js'));
  modules = await Promise.all([import(built('instrument/hook-registry.js')), import(built('instrument/hook-scope.js')), import(built('core/tracer.js'))]);
} catch (error) {
  process.stderr.write(`sharp-hook-warm: cannot load build/src (${error.code ?? error.message}); run npm run build first\n`);
  process.exit(1);
}
const [{ getTargetHook }, { HookScope }, { Tracer }] = modules;
const hook = getTargetHook('sharp.pipeline');
const tracer = new Tracer();
const scope = new HookScope(tracer);
const png = path.join(root, 'benchmarks', 'fixtures', 'noise-64x64.png');
const shared = sharp(png).resize(32, 32).raw();
await shared.toBuffer();

for (let round = 0; round < rounds; round++) {
  let totalMs = 0;
  for (let i = 0; i < calls; i++) {
    const span = tracer.startSpan('sharp.pipeline', { parent: null, probes: false });
    const instance = same ? shared : sharp(png).resize(32, 32).raw();
    // `data`: the input kind the hook's aroundCall reads before the call (1: InputKind.File, sharp-hooks.ts).
    const call = { span, thisArg: instance, args: [], scope, data: 1, result: undefined, error: undefined, failed: false };
    const startMs = performance.now();
    hook.afterCall(call);
    totalMs += performance.now() - startMs;
    tracer.endSpan(span);
  }
  const name = tracer.recorder.spans().at(-1)?.name;
  process.stdout.write(
    `round ${round + 1}: afterCall ${((totalMs / calls) * 1e3).toFixed(2)} µs a call (${same ? 'one instance' : 'fresh instances'}), span "${name}"\n`,
  );
}
