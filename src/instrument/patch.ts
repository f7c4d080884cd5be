import { isWrapped } from './wrap.js';

/**
 * One replaced property. `undo()` restores the exact descriptor that was there
 * (or removes the own property we added over an inherited one); `redo()` puts the
 * same wrapper back, so enable/disable cycles never create a second wrapper.
 */
export interface Patch {
  readonly owner: object;
  readonly key: PropertyKey;
  readonly original: Function;
  readonly wrapped: Function;
  readonly applied: boolean;
  undo(): void;
  redo(): void;
}

export type PatchResult = { ok: true; patch: Patch } | { ok: false; reason: string };

/**
 * Replace the function at `owner[key]` by `makeWrapper(original)`. Refuses (with a
 * reason, never a throw) when there is nothing to wrap, the value is a class
 * constructor, it is already wrapped, or the property cannot be redefined.
 */
export function patchProperty(owner: object, key: PropertyKey, makeWrapper: (original: Function) => Function): PatchResult {
  const ownDescriptor = Object.getOwnPropertyDescriptor(owner, key);
  let value: unknown;
  try {
    value = (owner as Record<PropertyKey, unknown>)[key];
  } catch (error) {
    return { ok: false, reason: `reading it threw ${String(error)}` };
  }
  if (typeof value !== 'function') {
    return { ok: false, reason: value === undefined ? 'it does not exist' : `it is a ${typeof value}, not a function` };
  }
  if (isWrapped(value)) return { ok: false, reason: 'it is already wrapped' };
  if (isClassConstructor(value)) {
    return { ok: false, reason: 'it is a class constructor; target one of its methods (Class.prototype.method) instead' };
  }
  if (ownDescriptor !== undefined && !ownDescriptor.configurable && !(ownDescriptor.writable ?? false)) {
    return { ok: false, reason: 'the property is not configurable or writable (a frozen export or a re-export getter); target the module that defines it' };
  }
  const original = value;
  const wrapped = makeWrapper(original);
  let applied = false;

  const install = (): void => {
    if (ownDescriptor === undefined || 'get' in ownDescriptor || 'set' in ownDescriptor) {
      Object.defineProperty(owner, key, {
        value: wrapped,
        writable: true,
        enumerable: ownDescriptor?.enumerable ?? false,
        configurable: true,
      });
    } else if (ownDescriptor.configurable) {
      Object.defineProperty(owner, key, { ...ownDescriptor, value: wrapped });
    } else {
      (owner as Record<PropertyKey, unknown>)[key] = wrapped;
    }
  };
  const restore = (): void => {
    if (ownDescriptor === undefined) {
      delete (owner as Record<PropertyKey, unknown>)[key];
    } else if (ownDescriptor.configurable) {
      Object.defineProperty(owner, key, ownDescriptor);
    } else {
      (owner as Record<PropertyKey, unknown>)[key] = original;
    }
  };

  try {
    install();
    applied = true;
  } catch (error) {
    return { ok: false, reason: `redefining it threw ${String(error)}` };
  }
  const patch: Patch = {
    owner,
    key,
    original,
    wrapped,
    get applied() {
      return applied;
    },
    undo() {
      if (!applied) return;
      restore();
      applied = false;
    },
    redo() {
      if (applied) return;
      install();
      applied = true;
    },
  };
  return { ok: true, patch };
}

function isClassConstructor(fn: Function): boolean {
  // Function.prototype.toString is the only reliable test, but it makes a string
  // of the function's source (the profile of the OCR example's loading put 0.26
  // ms on it). A class's own `prototype` is read-only, where an ordinary
  // function's is writable and an arrow, method or async function has none:
  // only a read-only one needs the test (built-in and native constructors have
  // one too, and are not classes).
  try {
    const prototype = Object.getOwnPropertyDescriptor(fn, 'prototype');
    if (prototype === undefined || prototype.writable !== false) return false;
    return /^class[\s{]/.test(Function.prototype.toString.call(fn));
  } catch {
    return false;
  }
}
