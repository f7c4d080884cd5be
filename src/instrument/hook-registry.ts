import type { TargetHook } from './wrap.js';

/**
 * Built-in target hooks by name (`hook: onnx.session-run` in a target file).
 * Presets register theirs when their module loads.
 */
const hooks = new Map<string, TargetHook>();

export function registerTargetHook(name: string, hook: TargetHook): void {
  hooks.set(name, hook);
}

export function getTargetHook(name: string): TargetHook | undefined {
  return hooks.get(name);
}

export function targetHookNames(): string[] {
  return [...hooks.keys()].sort();
}
