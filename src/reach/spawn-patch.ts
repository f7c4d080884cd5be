import { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { guarded } from '../core/guarded.js';
import { LINKED_REGISTER_URL, REACH_ENV, type ReachLink } from './link.js';
import { unlinkedEnvPairs } from './unlinked-env.js';

/** Who decides, per new node child process, whether and how it is linked. */
export interface ChildLinker {
  linkChild(label: string): ReachLink | undefined;
  childStarted(link: ReachLink, pid: number | undefined): void;
}

/** The internal options `ChildProcess.prototype.spawn` receives (stable since Node 0.x). */
interface SpawnInternals {
  file?: unknown;
  args?: unknown;
  envPairs?: unknown;
}

type SpawnMethod = (this: ChildProcess, options: SpawnInternals, ...rest: unknown[]) => unknown;

let linker: ChildLinker | null = null;
let original: SpawnMethod | null = null;

/**
 * Trace the node children of this process: `fork`, `spawn`, `exec` and
 * `execFile` all go through `ChildProcess.prototype.spawn(options)`, where the
 * child's environment is a list of `KEY=VALUE` pairs. For a node child (the
 * file is this node binary, or `node`/`nodejs`), the copy passed on gets
 * `STAGESCOPE_REACH` (the link) and `--import <register/linked>` appended to
 * `NODE_OPTIONS`; the app's own options object is not modified. Any other
 * child (a shell, another program) gets the app's environment without
 * stagescope's link and `--import`, so a node process it starts runs untraced
 * instead of as a stray traced process. `spawnSync` and `execSync` do not go
 * through here and stay untraced.
 */
export function installSpawnPatch(active: ChildLinker): void {
  linker = active;
  if (original !== null) return;
  const proto = ChildProcess.prototype as unknown as { spawn: SpawnMethod };
  const spawnOriginal = proto.spawn;
  original = spawnOriginal;
  const wrapped: SpawnMethod = function spawn(this: ChildProcess, options: SpawnInternals, ...rest: unknown[]): unknown {
    const linked = guarded('SS_REACH_CHILD_FAILED', 'could not prepare a child process for tracing (it runs untraced)', () => linkedSpawn(options));
    const result = Reflect.apply(spawnOriginal, this, [linked?.options ?? options, ...rest]);
    if (linked?.link !== undefined) linker?.childStarted(linked.link, this.pid);
    return result;
  };
  Object.defineProperty(wrapped, 'length', { value: spawnOriginal.length });
  proto.spawn = wrapped;
}

/**
 * The options to pass on while the patch is installed: for a node child of an
 * active run, linked (with its link); for any other child (a shell, another
 * program, a node child when no run is active), without stagescope's link and
 * `--import` (unlinked-env.ts). Undefined to leave the call alone.
 */
function linkedSpawn(options: SpawnInternals): { link?: ReachLink; options: SpawnInternals } | undefined {
  if (linker === null || options === null || typeof options !== 'object' || !Array.isArray(options.envPairs)) return undefined;
  const link = isNodeFile(options.file) ? linker.linkChild(childLabel(options.args)) : undefined;
  if (link !== undefined) return { link, options: { ...options, envPairs: linkedEnvPairs(options.envPairs as unknown[], link) } };
  const envPairs = unlinkedEnvPairs(options.envPairs as unknown[]);
  return envPairs === undefined ? undefined : { options: { ...options, envPairs } };
}

export function uninstallSpawnPatch(): void {
  linker = null;
  if (original === null) return;
  (ChildProcess.prototype as unknown as { spawn: SpawnMethod }).spawn = original;
  original = null;
}

function isNodeFile(file: unknown): boolean {
  if (typeof file !== 'string') return false;
  return file === process.execPath || /^(?:node|nodejs)(?:\.exe)?$/i.test(path.basename(file));
}

/** The environment pairs with the link set and the register module in NODE_OPTIONS. */
export function linkedEnvPairs(pairs: readonly unknown[], link: ReachLink): string[] {
  const out: string[] = [];
  let nodeOptions: string | undefined;
  for (const pair of pairs) {
    if (typeof pair !== 'string') continue;
    if (pair.startsWith(`${REACH_ENV}=`)) continue;
    if (pair.startsWith('NODE_OPTIONS=')) {
      nodeOptions = pair.slice('NODE_OPTIONS='.length);
      continue;
    }
    out.push(pair);
  }
  // A file URL has no spaces (they are %20), so it needs no quoting in NODE_OPTIONS.
  const register = `--import=${LINKED_REGISTER_URL}`;
  const options =
    nodeOptions === undefined || nodeOptions.trim() === ''
      ? register
      : nodeOptions.includes('/register/linked.js')
        ? nodeOptions
        : `${nodeOptions} ${register}`;
  out.push(`NODE_OPTIONS=${options}`, `${REACH_ENV}=${JSON.stringify(link)}`);
  return out;
}

function childLabel(args: unknown): string {
  if (!Array.isArray(args)) return '';
  // args[0] is argv0 (node); show the script and its arguments, the script by its last two path parts.
  const rest = args.slice(1).filter((arg): arg is string => typeof arg === 'string');
  const takesValue = new Set(['--import', '--require', '-r', '--loader', '--experimental-loader', '--conditions', '-C', '--env-file', '--input-type']);
  const scriptIndex = rest.findIndex((arg, index) => !arg.startsWith('-') && !takesValue.has(rest[index - 1] ?? ''));
  if (scriptIndex < 0) return rest.join(' ');
  const script = rest[scriptIndex]!.split(/[\\/]/).slice(-2).join('/');
  return [script, ...rest.slice(scriptIndex + 1)].join(' ');
}
