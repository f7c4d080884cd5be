import type { TargetHook } from './wrap.js';

export { HookScope, hookState, type HookStateKey } from './hook-scope.js';

/**
 * Built-in target hooks by name (`hook: onnx.session-run` in a target file).
 *
 * Hooks are loaded lazily: a preset registers a *provider* per hook family (the
 * part of the name before the first dot, `onnx`), and the provider's module is
 * loaded when a target with such a hook is first patched — when the library
 * loads — not when stagescope starts (issue "Cost of observation": a preset
 * that traces five libraries should not load the code for five libraries to
 * trace a script that uses one).
 */
const hooks = new Map<string, TargetHook>();
const providers = new Map<string, { load: () => void; loaded: boolean }>();

export function registerTargetHook(name: string, hook: TargetHook): void {
  hooks.set(name, hook);
}

/** `load` must register the family's hooks (usually: import the module that calls `registerTargetHook`). */
export function registerHookProvider(family: string, load: () => void): void {
  if (!providers.has(family)) providers.set(family, { load, loaded: false });
}

function familyOf(name: string): string {
  const dot = name.indexOf('.');
  return dot < 0 ? name : name.slice(0, dot);
}

/** The hook, loading its family's provider the first time one of its hooks is asked for. */
export function getTargetHook(name: string): TargetHook | undefined {
  const hook = hooks.get(name);
  if (hook !== undefined) return hook;
  const provider = providers.get(familyOf(name));
  if (provider === undefined || provider.loaded) return undefined;
  provider.loaded = true;
  provider.load();
  return hooks.get(name);
}

/** Whether `name` is a registered hook or belongs to a registered family (loads nothing). */
export function isKnownHookName(name: string): boolean {
  return hooks.has(name) || providers.has(familyOf(name));
}

export function targetHookNames(): string[] {
  return [...new Set([...hooks.keys(), ...[...providers.keys()].map((family) => `${family}.*`)])].sort();
}
