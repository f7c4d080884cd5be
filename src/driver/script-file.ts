import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { StagescopeError } from '../core/errors.js';

/** The script to run does not exist (code `SS_ERR_SCRIPT_NOT_FOUND`); the message is `stagescope: ${detail}`. */
export class ScriptNotFoundError extends StagescopeError {
  override readonly name = 'ScriptNotFoundError';
  constructor(detail: string, options?: ErrorOptions) {
    super('SS_ERR_SCRIPT_NOT_FOUND', detail, { ...options, prefixed: true });
  }
}

/**
 * Where the script is. A relative path is tried against the working directory
 * first (like `node script.mjs`), then against the folder of the file that called
 * the driver, so a one-line driver next to its script works from anywhere.
 */
export function resolveScriptPath(script: string | URL, callerDir: string | undefined): string {
  if (script instanceof URL || script.startsWith('file:')) return fileURLToPath(script);
  const candidates = [path.resolve(script)];
  if (callerDir !== undefined && !path.isAbsolute(script)) candidates.push(path.resolve(callerDir, script));
  for (const candidate of candidates) if (existsSync(candidate)) return candidate;
  throw new ScriptNotFoundError(`script not found: ${script} (looked for ${[...new Set(candidates)].join(' and ')})`);
}

/** Is this file loaded as ESM by Node (.mjs, or .js under "type": "module")? */
export function isEsmFile(file: string): boolean {
  const ext = path.extname(file);
  if (ext === '.mjs') return true;
  if (ext === '.cjs') return false;
  let dir = path.dirname(file);
  for (;;) {
    const pkgFile = path.join(dir, 'package.json');
    if (existsSync(pkgFile)) {
      try {
        return (JSON.parse(readFileSync(pkgFile, 'utf8')) as { type?: string }).type === 'module';
      } catch {
        return false;
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) return false;
    dir = parent;
  }
}

/** The directory of the first stack frame outside stagescope (the driver file). */
export function callerDirectory(): string | undefined {
  const stack = new Error().stack?.split('\n') ?? [];
  // build/src/ and build/bundle/ (the register bundles)
  const ownDirs = [fileURLToPath(new URL('../', import.meta.url)), fileURLToPath(new URL('../../bundle/', import.meta.url))];
  for (const frame of stack.slice(1)) {
    const match = /\(?((?:file:\/\/)?\/[^():]+):\d+:\d+\)?$/.exec(frame.trim());
    if (match === null) continue;
    const file = match[1]!.startsWith('file:') ? fileURLToPath(match[1]!) : match[1]!;
    if (!ownDirs.some((dir) => file.startsWith(dir))) return path.dirname(file);
  }
  return undefined;
}
