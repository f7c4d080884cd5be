// A reference variant of bench:cost's example row: Node's own cost of in-thread
// module hooks, with no stagescope loaded. The hooks only call the next hook,
// so what this adds is what Node charges for having `module.registerHooks`
// hooks at all: every `require` and `import` then goes through them (stagescope
// installs such hooks to see ESM builds of the traced packages, and ESM imports
// of worker_threads and child_process). Node < 22.15 has no registerHooks: the
// variant is then the plain run.
import module from 'node:module';

if (typeof module.registerHooks === 'function') {
  module.registerHooks({
    resolve: (specifier, context, nextResolve) => nextResolve(specifier, context),
    load: (url, context, nextLoad) => nextLoad(url, context),
  });
}
