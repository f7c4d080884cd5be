import Module from 'node:module';
import path from 'node:path';
import { reportDiagnostic } from '../core/diagnostics.js';
import type { Instrumenter } from '../instrument/instrumenter.js';
import { isPackageFileName, loadedInstances, packageOfAbsolutePath } from '../instrument/module-hooks.js';
import { packageNameOfFile } from '../instrument/package-of-file.js';

/**
 * Say when a targeted package was loaded but none of its copies was matched:
 * its files are in require.cache (found by their nearest package.json name),
 * yet no load of it reached the hooks as the package (an internal file loaded
 * by path, a bundled copy, a build the module hooks do not know). Without this
 * the run shows 0 wrapped calls for it and no reason. CommonJS loads only (the
 * ESM loader keeps no cache the main thread can read).
 */
export function reportUnmatchedPackages(instrumenter: Instrumenter): string[] {
  const wanted = new Set<string>();
  for (const target of instrumenter.targets) {
    if (isPackageFileName(target.module)) continue;
    const name = target.module.startsWith('@') ? target.module.split('/').slice(0, 2).join('/') : target.module.split('/')[0]!;
    if (loadedInstances(target.module).length === 0) wanted.add(name);
  }
  if (wanted.size === 0) return [];
  const cache = (Module as unknown as { _cache: Record<string, unknown> })._cache;
  const found = new Map<string, string>();
  // The traced script may itself live in the package (a library's own examples): not a load of it.
  const script = process.argv[1] === undefined ? undefined : path.resolve(process.argv[1]);
  for (const file of Object.keys(cache)) {
    if (file === script) continue;
    // Inside node_modules, the folder names the package (a string test): only a
    // wanted one is confirmed by its package.json. Reading every loaded file's
    // manifest was 1.4 ms at the end of each OCR example run, whose preset
    // targets tesseract.js and @gutenye/ocr-node that it never loads. A file
    // outside node_modules (a linked copy, the app's own) is looked up.
    const folder = packageOfAbsolutePath(file);
    if (folder !== undefined && !wanted.has(folder)) continue;
    const name = packageNameOfFile(file);
    if (name !== undefined && wanted.has(name) && !found.has(name)) found.set(name, file);
  }
  for (const [name, file] of found) {
    reportDiagnostic(
      'SS_PACKAGE_NOT_MATCHED',
      `${name} was loaded (${file}) but not as the package its targets patch (an internal file or a build that is not one of its entries), so none of its calls were traced; load it by its entry (require('${name}') or the path of its package.json "main"), or add targets for that file (module: "${name}/<path inside the package>")`,
    );
  }
  return [...found.keys()];
}
