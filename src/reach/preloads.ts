import { isStagescopeRegister, tokenize } from './unlinked-env.js';

/**
 * Is stagescope's register entry the last module Node imports before the
 * script (`--import` and loaders, from NODE_OPTIONS first, then the command
 * line)? Then everything between stagescope starting and the script starting
 * to load is stagescope's start-up; an `--import` after it (tsx, an APM agent)
 * runs in that gap, and is not. True when nothing is imported at all (the
 * CLI, which starts the script itself). `-r` preloads run before any
 * `--import`, so they never fall in the gap.
 */
export function registerEntryImportsLast(execArgv: readonly string[] = process.execArgv, nodeOptions: string = process.env.NODE_OPTIONS ?? ''): boolean {
  const last = importedModules(execArgv, nodeOptions).at(-1);
  return last === undefined || isStagescopeRegister(last);
}

/**
 * Is stagescope's register entry the first module Node imports (`--import`
 * and loaders, from NODE_OPTIONS first, then the command line)? Then what
 * Node did from the end of its bootstrap to the entry's first line was for
 * that flag: making its module loader, resolving `stagescope/register/…`,
 * loading the entry (core/process-marks.ts, `sinceBootstrapNs`). False when
 * nothing is imported (the CLI: its own first line stands where the script's
 * would) or when another import ran first.
 */
export function registerEntryImportsFirst(execArgv: readonly string[] = process.execArgv, nodeOptions: string = process.env.NODE_OPTIONS ?? ''): boolean {
  const first = importedModules(execArgv, nodeOptions)[0];
  return first !== undefined && isStagescopeRegister(first);
}

const IMPORT_FLAGS = ['--import', '--loader', '--experimental-loader'];

/** The modules `--import` and the loader flags name, in the order Node takes them (NODE_OPTIONS first). */
function importedModules(execArgv: readonly string[], nodeOptions: string): string[] {
  const args = [...tokenize(nodeOptions).map((token) => token.value), ...execArgv];
  const modules: string[] = [];
  for (let index = 0; index < args.length; index += 1) {
    const arg = args[index]!;
    for (const flag of IMPORT_FLAGS) {
      if (arg === flag && index + 1 < args.length) modules.push(args[index + 1]!);
      else if (arg.startsWith(`${flag}=`)) modules.push(arg.slice(flag.length + 1));
    }
  }
  return modules;
}
