import { StagescopeError } from '../core/errors.js';

/**
 * Export paths name what to wrap inside a module, relative to its exports (CJS)
 * or namespace (ESM):
 *
 *   InferenceSession.prototype.run    a class's prototype method
 *   InferenceSession.create           a static method
 *   createWorker                      an exported function
 *   default.prototype._pipeline       through the default export
 *   createWorker().recognize          a method of the object a factory returns
 *                                     (or resolves to, if it returns a promise)
 *
 * A path is a list of steps: property names, and `call` after a function whose
 * return value the rest of the path applies to.
 */
export type PathStep = { kind: 'property'; name: string } | { kind: 'call' };

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** A target's `export` path cannot be parsed (code `SS_ERR_EXPORT_PATH_INVALID`). */
export class ExportPathError extends StagescopeError {
  override readonly name = 'ExportPathError';
  constructor(message: string, options?: ErrorOptions) {
    super('SS_ERR_EXPORT_PATH_INVALID', message, options);
  }
}

export function parseExportPath(path: string): PathStep[] {
  if (typeof path !== 'string' || path.trim() === '') throw new ExportPathError('export path is empty');
  const steps: PathStep[] = [];
  for (const rawPart of path.trim().split('.')) {
    let part = rawPart;
    let calls = 0;
    while (part.endsWith('()')) {
      part = part.slice(0, -2);
      calls++;
    }
    if (!IDENTIFIER.test(part)) {
      throw new ExportPathError(`"${path}": "${rawPart}" is not a property name (expected e.g. Class.prototype.method, fn, or factory().method)`);
    }
    steps.push({ kind: 'property', name: part });
    for (let i = 0; i < calls; i++) steps.push({ kind: 'call' });
  }
  if (steps[steps.length - 1]?.kind === 'call') {
    throw new ExportPathError(`"${path}" ends with "()": name the method of the returned object, e.g. ${path}.method`);
  }
  return steps;
}

export function formatExportPath(steps: readonly PathStep[]): string {
  let out = '';
  for (const step of steps) {
    if (step.kind === 'call') out += '()';
    else out += (out === '' ? '' : '.') + step.name;
  }
  return out;
}
