import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The package root (this file is build/src/paths.js once compiled). */
export const packageRoot: string = fileURLToPath(new URL('../../', import.meta.url));

/** Built-in target lists (`presets/*.yaml`). */
export const presetsDir: string = fileURLToPath(new URL('../../presets/', import.meta.url));

/** The same lists as JSON data, made by `scripts/build-preset-data.mjs` (`build/presets/*.json`). */
export const presetDataDir: string = fileURLToPath(new URL('../presets/', import.meta.url));

/** Set by scripts/bundle-register.mjs in the runtime script; undeclared (so `typeof` is 'undefined') anywhere else. */
declare const STAGESCOPE_PACKAGE_VERSION: string | undefined;

/**
 * The package's version: written into the runtime script when it is bundled
 * (reading package.json was 0.3 ms of every traced process's start-up), read
 * from package.json otherwise.
 */
export const packageVersion: string =
  typeof STAGESCOPE_PACKAGE_VERSION === 'string'
    ? STAGESCOPE_PACKAGE_VERSION
    : (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/**
 * The `--import` entry a traced process (`index`) or a linked worker or child
 * (`linked`) starts with: the bundled `register/<name>.js` made by
 * scripts/bundle-register.mjs (start-up: one small module to load, and the
 * runtime script compiled with V8's code cache, instead of ~60 modules).
 */
export function registerEntryUrl(name: 'index' | 'linked'): string {
  return new URL(`../bundle/register/${name}.js`, import.meta.url).href;
}
