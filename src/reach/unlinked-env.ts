import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { REACH_ENV } from './link.js';

/**
 * stagescope's register folders as paths (`--import` may name them by path,
 * relative path or file URL): the bundled entries the package exports
 * (build/bundle/register/, also what linked workers and children import) and
 * the compiled modules (build/src/register/).
 */
let registerDirPaths: readonly string[] | undefined;

/** Made on first use: this module loads with every traced process (reach/preloads.ts), its checks run at the end. */
function registerDirs(): readonly string[] {
  return (registerDirPaths ??= ['../register/', '../../bundle/register/'].map((relative) => fileURLToPath(new URL(relative, import.meta.url))));
}
/** `--import stagescope/register`, `stagescope/register/onnx`, `…/onnx.js`, `…/onnx.cjs` (the `--require` twin). */
const BARE_REGISTER = /^stagescope\/register(?:\/[\w-]+(?:\.c?js)?)?$/;

/**
 * The environment pairs for a child process that is NOT linked to the run (a
 * shell, another program, or a node child started when no run is active),
 * without what stagescope put there: the run's link (`STAGESCOPE_REACH`) and
 * stagescope's `--import` (or `--require`) in `NODE_OPTIONS`. Otherwise a node process started
 * through a shell (`exec('node x.js')`, `spawn(cmd, { shell: true })`) would
 * inherit them and run as a traced process of its own: as a linked child it
 * wrote its spans over those of the child that started it (same link, same
 * file), and under `NODE_OPTIONS=--import stagescope/register` it printed its own
 * tree and overwrote the run's `--json`. Such a process runs untraced, as it
 * would without stagescope (docs/workers-and-processes.md, "Limits").
 *
 * Undefined when there is nothing to take out: the app's pairs are passed on
 * as they are.
 */
export function unlinkedEnvPairs(pairs: readonly unknown[]): unknown[] | undefined {
  let changed = false;
  const out: unknown[] = [];
  for (const pair of pairs) {
    if (typeof pair === 'string' && pair.startsWith(`${REACH_ENV}=`)) {
      changed = true;
      continue;
    }
    if (typeof pair === 'string' && pair.startsWith('NODE_OPTIONS=')) {
      const before = pair.slice('NODE_OPTIONS='.length);
      const after = withoutStagescopeImports(before);
      if (after !== before) {
        changed = true;
        if (after.trim() !== '') out.push(`NODE_OPTIONS=${after}`);
        continue;
      }
    }
    out.push(pair);
  }
  return changed ? out : undefined;
}

/**
 * `NODE_OPTIONS` without the options that load stagescope's register modules
 * (`--import=X`, `--import X`, and the `--require` forms: `--require=X`,
 * `--require X`, `-r X`; X a bare `stagescope/register…` specifier, or a path
 * or file URL inside stagescope's register folder). Every other option is kept
 * as written (Node's own quoting: double quotes, with backslash escapes inside
 * them).
 */
export function withoutStagescopeImports(nodeOptions: string): string {
  const tokens = tokenize(nodeOptions);
  const kept: string[] = [];
  let removed = false;
  for (let index = 0; index < tokens.length; index += 1) {
    const token = tokens[index]!;
    const joined = PRELOAD_FLAGS.find((flag) => flag.startsWith('--') && token.value.startsWith(`${flag}=`));
    if (joined !== undefined && isStagescopeRegister(token.value.slice(joined.length + 1))) {
      removed = true;
      continue;
    }
    const next = tokens[index + 1];
    if (PRELOAD_FLAGS.includes(token.value) && next !== undefined && isStagescopeRegister(next.value)) {
      removed = true;
      index += 1;
      continue;
    }
    kept.push(token.raw);
  }
  return removed ? kept.join(' ') : nodeOptions;
}

/** The options that preload a CommonJS module (reach/preloads.ts reads them too). */
export const REQUIRE_FLAGS: readonly string[] = ['--require', '-r'];
/** The options that can load a register entry before the script. */
const PRELOAD_FLAGS: readonly string[] = ['--import', ...REQUIRE_FLAGS];

export function isStagescopeRegister(specifier: string): boolean {
  if (BARE_REGISTER.test(specifier)) return true;
  let file: string;
  try {
    file = specifier.startsWith('file:') ? fileURLToPath(specifier) : path.resolve(specifier);
  } catch {
    return false; // not a file URL Node could load either
  }
  return registerDirs().some((dir) => file.startsWith(dir));
}

/** NODE_OPTIONS split as Node splits it: on spaces outside double quotes. `raw` is the text as written. */
export function tokenize(text: string): { raw: string; value: string }[] {
  const tokens: { raw: string; value: string }[] = [];
  let raw = '';
  let value = '';
  let quoted = false;
  for (let index = 0; index < text.length; index += 1) {
    const char = text[index]!;
    if (quoted && char === '\\' && index + 1 < text.length) {
      raw += char + text[index + 1]!;
      value += text[index + 1]!;
      index += 1;
      continue;
    }
    if (char === '"') {
      quoted = !quoted;
      raw += char;
      continue;
    }
    if (!quoted && /\s/.test(char)) {
      if (raw !== '') tokens.push({ raw, value });
      raw = '';
      value = '';
      continue;
    }
    raw += char;
    value += char;
  }
  if (raw !== '') tokens.push({ raw, value });
  return tokens;
}
