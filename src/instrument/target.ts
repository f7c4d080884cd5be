import { describeValue } from '../core/bad-value.js';
import { isStage, STAGES, type Stage } from '../core/types.js';
import { ExportPathError, parseExportPath, type PathStep } from './export-path.js';
import { StagescopeError } from '../core/errors.js';

/** What to do instead, shared by every "cannot patch" message. */
export const MANUAL_SPAN_HINT = "wrap the code in span('name', { stage }, fn) or the function in traced(fn, { stage }) from 'stagescope' instead";

/**
 * What to trace, as data. One entry of a target file or a preset's list.
 *
 * @example
 * { module: 'onnxruntime-node', export: 'InferenceSession.prototype.run',
 *   name: 'InferenceSession.run', stage: 'detection', hook: 'onnx.session-run' }
 */
export interface TargetSpec {
  /**
   * Package name (or `package/subpath`) as the script imports it; or a list of
   * them, when one export is reached through several module names (a package and
   * its `dist/…wasm.js` build): the entry stands for one target per name.
   */
  module: string | readonly string[];
  /** Export path: `Class.prototype.method`, `Class.staticMethod`, `fn`, `factory().method`. */
  export: string;
  /** Span name; default: the export path without `prototype` and `()`. */
  name?: string;
  /** Pipeline stage, or null to inherit none. */
  stage?: Stage | null;
  /** Name of a built-in hook that labels calls from their arguments (e.g. `onnx.session-run`). */
  hook?: string;
  /** The last argument is a Node-style completion callback. */
  callback?: boolean;
  /** Start disabled (switch on at run time). Default true. */
  enabled?: boolean;
  /**
   * Missing module is normal (a preset lists several libraries; a script uses
   * one). Built-in preset targets are optional; user targets are not.
   */
  optional?: boolean;
}

/** A validated target with its parsed path and identity. */
export interface ResolvedTarget {
  /** The entry as written, with `module` narrowed to this target's one name. */
  readonly spec: TargetSpec & { module: string };
  /** `module#export`, as stored on spans. */
  readonly id: string;
  readonly module: string;
  readonly steps: readonly PathStep[];
  readonly name: string;
  readonly stage: Stage | null;
  readonly hook: string | undefined;
  readonly callback: boolean;
  readonly optional: boolean;
  /** Where the target was defined, for messages (`presets/onnx.yaml:12`). */
  readonly source: string;
}

/** A target file, target entry or models rule is invalid (code `SS_ERR_TARGET_INVALID`); the message names file, line and field. */
export class TargetError extends StagescopeError {
  override readonly name = 'TargetError';
  constructor(message: string, options?: ErrorOptions) {
    super('SS_ERR_TARGET_INVALID', message, options);
  }
}

const KNOWN_FIELDS = new Set(['module', 'export', 'name', 'stage', 'hook', 'callback', 'enabled', 'optional']);

/**
 * Check one raw entry (from a file or the API) and resolve it: one target, or
 * one per name when `module` is a list (`module: [pkg, pkg/dist/x.js]`), each
 * with the entry's other fields. Throws TargetError naming the field and the fix.
 */
export function resolveTargets(
  raw: unknown,
  location: string | ((field: string | undefined) => string),
  defaults: { optional?: boolean } = {},
): ResolvedTarget[] {
  const modules = raw !== null && typeof raw === 'object' && !Array.isArray(raw) ? (raw as Record<string, unknown>).module : undefined;
  if (!Array.isArray(modules)) return [resolveTarget(raw, location, defaults)];
  const at = typeof location === 'string' ? () => location : location;
  if (modules.length === 0) throw new TargetError(`${at('module')}: field "module": an empty list (give one package name, or a list of them)`);
  const seen = new Set<unknown>();
  return modules.map((module, index) => {
    if (typeof module !== 'string') {
      throw new TargetError(`${at('module')}: field "module": item ${index + 1} of the list is ${describeValue(module)}, not a package name`);
    }
    if (seen.has(module)) throw new TargetError(`${at('module')}: field "module": "${module}" is listed twice`);
    seen.add(module);
    return resolveTarget({ ...(raw as Record<string, unknown>), module }, location, defaults);
  });
}

/**
 * Check one raw entry (from a file or the API) and resolve it. `where` names the
 * file and line for messages. Throws TargetError naming the field and the fix.
 */
export function resolveTarget(raw: unknown, location: string | ((field: string | undefined) => string), defaults: { optional?: boolean } = {}): ResolvedTarget {
  // `location(field)` gives the line of that field when the source knows it.
  const at = typeof location === 'string' ? () => location : location;
  const where = at(undefined);
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new TargetError(`${where}: a target must be an object with "module" and "export", got ${describeValue(raw)}`);
  }
  const entry = raw as Record<string, unknown>;
  for (const key of Object.keys(entry)) {
    if (!KNOWN_FIELDS.has(key)) {
      throw new TargetError(`${at(key)}: unknown field "${key}" (known: ${[...KNOWN_FIELDS].join(', ')})`);
    }
  }
  const module = requireString(entry, 'module', at('module'));
  if (!/^(@[\w.-]+\/)?[\w.-]+(\/[\w.@-]+)*$/.test(module)) {
    // A file path usually means "my own script's functions": those cannot be patched, say what works.
    const fileHint = /^([/\\]|[A-Za-z]:)|\.[cm]?[jt]s$/.test(module) ? `; to trace your own script's functions, ${MANUAL_SPAN_HINT}` : '';
    throw new TargetError(`${at('module')}: field "module": "${module}" is not a package name (e.g. onnxruntime-node, @scope/pkg, pkg/sub)${fileHint}`);
  }
  const exportPath = requireString(entry, 'export', at('export'));
  let steps: PathStep[];
  try {
    steps = parseExportPath(exportPath);
  } catch (error) {
    if (error instanceof ExportPathError) throw new TargetError(`${at('export')}: field "export": ${error.message}`);
    throw error;
  }
  const name = optionalString(entry, 'name', at('name')) ?? defaultName(exportPath);
  let stage: Stage | null = null;
  if (entry.stage !== undefined && entry.stage !== null) {
    if (!isStage(entry.stage)) {
      throw new TargetError(`${at('stage')}: field "stage": ${describeValue(entry.stage)} is not a stage (one of ${STAGES.join(', ')}, or null)`);
    }
    stage = entry.stage;
  }
  const hook = optionalString(entry, 'hook', at('hook'));
  const callback = optionalBoolean(entry, 'callback', at('callback')) ?? false;
  const optional = optionalBoolean(entry, 'optional', at('optional')) ?? defaults.optional ?? false;
  optionalBoolean(entry, 'enabled', at('enabled'));
  const spec = { ...(entry as unknown as TargetSpec), module };
  return { spec, id: `${module}#${exportPath}`, module, steps, name, stage, hook, callback, optional, source: where };
}

/** `InferenceSession.prototype.run` → `InferenceSession.run`; `createWorker().recognize` → `worker.recognize`. */
export function defaultName(exportPath: string): string {
  const parts = exportPath.split('.').filter((part) => part !== 'prototype' && part !== 'default');
  const last = parts.length >= 2 ? parts.slice(-2) : parts;
  return last.map((part) => part.replace(/\(\)$/, '')).join('.');
}

function requireString(entry: Record<string, unknown>, field: string, where: string): string {
  const value = entry[field];
  if (typeof value !== 'string' || value.trim() === '') {
    throw new TargetError(`${where}: field "${field}" is required and must be a non-empty string, got ${describeValue(value)}`);
  }
  return value.trim();
}

function optionalString(entry: Record<string, unknown>, field: string, where: string): string | undefined {
  const value = entry[field];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw new TargetError(`${where}: field "${field}" must be a string, got ${describeValue(value)}`);
  return value.trim();
}

function optionalBoolean(entry: Record<string, unknown>, field: string, where: string): boolean | undefined {
  const value = entry[field];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'boolean') return value;
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new TargetError(`${where}: field "${field}" must be true or false, got ${describeValue(value)}`);
}
