import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { isEsmFile } from './script-file.js';

/**
 * Scripts that `export async function main()` are run by calling it. But many
 * scripts export `main` *and* call it themselves (`main()` at the bottom, or behind
 * an is-main check); calling it again would run the pipeline twice. So by default
 * ('auto') main is called only when the script's source never calls `main(`
 * outside its own definition. `true`/`false` force it.
 */
export type CallMainMode = 'auto' | boolean;

/** Does this source call `main(...)` anywhere other than `function main(`? */
export function sourceCallsMain(source: string): boolean {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:])\/\/.*$/gm, '$1');
  const mentions = code.match(/(?<![\w$.])main\s*\(/g)?.length ?? 0;
  const definitions = code.match(/function\s*\*?\s*main\s*\(/g)?.length ?? 0;
  return mentions > definitions;
}

export function shouldCallMain(mode: CallMainMode, scriptPath: string): boolean {
  if (mode !== 'auto') return mode;
  try {
    return !sourceCallsMain(readFileSync(scriptPath, 'utf8'));
  } catch {
    return false;
  }
}

export function parseCallMain(value: string | undefined): CallMainMode {
  if (value === '1' || value === 'true') return true;
  if (value === '0' || value === 'false') return false;
  return 'auto';
}

/** The exports of the script already loaded as the main module (cached, not re-run). */
export async function loadedMainExports(scriptPath: string): Promise<Record<string, unknown> | undefined> {
  if (isEsmFile(scriptPath)) return (await import(pathToFileURL(scriptPath).href)) as Record<string, unknown>;
  const cached = createRequire(import.meta.url).cache[scriptPath];
  return cached?.exports as Record<string, unknown> | undefined;
}
