import { isStagescopeRegister, REQUIRE_FLAGS, tokenize } from './unlinked-env.js';

/**
 * Is stagescope's register entry the last module Node loads before the script
 * (`--import` and loaders, from NODE_OPTIONS first, then the command line)?
 * Then everything between stagescope starting and the script starting to load
 * is stagescope's start-up; an `--import` after it (tsx, an APM agent) runs in
 * that gap, and is not. True when nothing is imported at all (the CLI, which
 * starts the script itself). `-r` preloads run before any `--import`, so they
 * never fall in the gap, unless stagescope's entry is one of them: Node runs
 * its `--require` entry (build/bundle/register/*.cjs) before the end of its
 * own bootstrap, which a plain process pays too, so that gap is never
 * stagescope's (false).
 */
export function registerEntryImportsLast(execArgv: readonly string[] = process.execArgv, nodeOptions: string = process.env.NODE_OPTIONS ?? ''): boolean {
  const { required, imported } = preloadedModules(execArgv, nodeOptions);
  if (required.some(isStagescopeRegister)) return false;
  const last = imported.at(-1);
  return last === undefined || isStagescopeRegister(last);
}

/**
 * Is stagescope's register entry the first module Node imports (`--import`
 * and loaders, from NODE_OPTIONS first, then the command line)? Then what
 * Node did from the end of its bootstrap to the entry's first line was for
 * that flag: making its module loader, resolving `stagescope/register/…`,
 * loading the entry (core/process-marks.ts, `sinceBootstrapNs`). False when
 * nothing is imported (the CLI: its own first line stands where the script's
 * would; a `--require` entry, which runs before that milestone) or when
 * another import ran first.
 */
export function registerEntryImportsFirst(execArgv: readonly string[] = process.execArgv, nodeOptions: string = process.env.NODE_OPTIONS ?? ''): boolean {
  const first = preloadedModules(execArgv, nodeOptions).imported[0];
  return first !== undefined && isStagescopeRegister(first);
}

const IMPORT_FLAGS: readonly string[] = ['--import', '--loader', '--experimental-loader'];

/**
 * The modules the preload flags name, each kind in the order Node takes them
 * (NODE_OPTIONS first): `required` (`-r`, `--require`) all run before any of
 * `imported` (`--import` and the loader flags).
 */
function preloadedModules(execArgv: readonly string[], nodeOptions: string): { required: string[]; imported: string[] } {
  const args = [...tokenize(nodeOptions).map((token) => token.value), ...execArgv];
  const required: string[] = [];
  const imported: string[] = [];
  for (let index = 0; index < args.length; index += 1) {
    const arg = args[index]!;
    for (const [flags, into] of [
      [IMPORT_FLAGS, imported],
      [REQUIRE_FLAGS, required],
    ] as const) {
      for (const flag of flags) {
        if (arg === flag && index + 1 < args.length) into.push(args[index + 1]!);
        else if (arg.startsWith(`${flag}=`)) into.push(arg.slice(flag.length + 1));
      }
    }
  }
  return { required, imported };
}
