import path from 'node:path';
import { reportDiagnostic } from '../core/diagnostics.js';
import type { Tracer } from '../core/tracer.js';
import type { PathStep } from './export-path.js';
import { getTargetHook, isKnownHookName, targetHookNames } from './hook-registry.js';
import { HookScope } from './hook-scope.js';
import { addLoadListener, findPreloaded, isResolvable, loadedInstances, removeLoadListener, watchModules, type LoadedModule } from './module-hooks.js';
import { patchProperty, type Patch } from './patch.js';
import { MANUAL_SPAN_HINT, type ResolvedTarget } from './target.js';
import { wrapFunction, type TargetHook, type TargetSwitch, type WrapSpec } from './wrap.js';

export interface InstrumenterOptions {
  /** Directories the traced script resolves packages from (its own folder first). */
  basedirs?: string[];
}

/** A node of a module's target plan: one property, what to do with it, and below it. */
interface PlanNode {
  target: ResolvedTarget | undefined;
  children: Map<string, PlanNode>;
  /** Steps after `()`: applied to what this function returns. */
  call: PlanNode | undefined;
}

function newNode(): PlanNode {
  return { target: undefined, children: new Map(), call: undefined };
}

/** Top-level export names that targets replace (function exports, factories). */
function topLevelReplacements(targets: readonly ResolvedTarget[]): Set<string> {
  const names = new Set<string>();
  for (const target of targets) {
    const first = target.steps[0];
    const second = target.steps[1];
    if (first?.kind === 'property' && (second === undefined || second.kind === 'call')) names.add(first.name);
    // through `default` for a CJS package seen from ESM
    if (first?.kind === 'property' && first.name === 'default') names.add('default');
  }
  return names;
}

/**
 * Applies target plans to every loaded instance of their modules and keeps the
 * patches so `disable()` can restore the exact originals and `enable()` can put
 * the same wrappers back. Per-target switches let a target be turned off at run
 * time even where a wrapper cannot be removed (a copy an ESM importer holds, a
 * method on an object a factory returned): the wrapper then passes straight
 * through.
 */
export class Instrumenter {
  readonly tracer: Tracer;
  readonly targets: readonly ResolvedTarget[];
  readonly basedirs: string[];
  /** What this instrumenter's hooks share (`call.scope`): the tracer and each hook family's state. */
  readonly hookScope: HookScope;
  #plans = new Map<string, ResolvedTarget[]>();
  #switches = new Map<string, TargetSwitch>();
  #patches: Patch[] = [];
  #handled = new WeakSet<object>();
  #enabled = false;
  #listener = { onModuleLoaded: (loaded: LoadedModule) => this.#apply(loaded) };
  #patchedTargets = new Set<string>();
  /**
   * What the user (or a budget) asked for with `setTargetEnabled`, kept apart
   * from the live switches so a choice made before `enable()` (before `run()`)
   * survives it instead of being reset to the target file's `enabled`.
   */
  #wanted = new Map<string, boolean>();

  constructor(tracer: Tracer, targets: readonly ResolvedTarget[], options: InstrumenterOptions = {}) {
    this.tracer = tracer;
    this.hookScope = new HookScope(tracer);
    this.targets = targets;
    this.basedirs = [...new Set([...(options.basedirs ?? []), process.cwd()])];
    for (const target of targets) {
      if (target.hook !== undefined && !isKnownHookName(target.hook)) {
        reportDiagnostic(
          'SS_TARGET_HOOK_UNKNOWN',
          `${target.source}: hook "${target.hook}" is not a known hook (known: ${targetHookNames().join(', ') || 'none'}); tracing ${target.id} without it`,
        );
      }
      let list = this.#plans.get(target.module);
      if (list === undefined) this.#plans.set(target.module, (list = []));
      list.push(target);
      this.#switches.set(target.id, { enabled: target.spec.enabled !== false });
    }
  }

  /** Also resolve packages from `dir` (the traced script's folder); searched first. */
  addBasedir(dir: string): void {
    if (!this.basedirs.includes(dir)) this.basedirs.unshift(dir);
  }

  get enabled(): boolean {
    return this.#enabled;
  }

  /** Install the module hooks and patch every instance loaded now or later. */
  enable(): void {
    if (this.#enabled) return;
    this.#enabled = true;
    for (const target of this.targets) this.#switches.get(target.id)!.enabled = this.#wanted.get(target.id) ?? target.spec.enabled !== false;
    for (const patch of this.#patches) patch.redo();
    const watch = new Map<string, Set<string>>();
    for (const [moduleName, targets] of this.#plans) watch.set(moduleName, topLevelReplacements(targets));
    watchModules(watch);
    addLoadListener(this.#listener);
    for (const moduleName of this.#plans.keys()) {
      findPreloaded(moduleName, this.basedirs);
      for (const loaded of loadedInstances(moduleName)) this.#apply(loaded);
    }
  }

  /** Restore every patched original exactly; wrappers still held elsewhere pass through (untimed: no budget watch). */
  disable(): void {
    if (!this.#enabled) return;
    this.#enabled = false;
    removeLoadListener(this.#listener);
    for (const sw of this.#switches.values()) {
      sw.enabled = false;
      sw.watchLong = false;
    }
    for (const patch of this.#patches) patch.undo();
  }

  /**
   * Turn one target (by `module#export` id) on or off, at run time or before
   * `enable()`; the choice holds across `enable()`/`disable()` cycles.
   */
  setTargetEnabled(id: string, enabled: boolean): boolean {
    const sw = this.#switches.get(id);
    if (sw === undefined) return false;
    this.#wanted.set(id, enabled);
    sw.enabled = enabled && this.#enabled;
    // A target switched off is not timed either; the overhead budget, which
    // switches targets off through here too, turns its watch on afterwards.
    if (!enabled) sw.watchLong = false;
    return true;
  }

  isTargetEnabled(id: string): boolean {
    return this.#switches.get(id)?.enabled ?? false;
  }

  /**
   * The live switch of a target (on/off, sampling, per-target overhead
   * accounting), shared by all its wrappers; for an overhead budget. Undefined
   * for an unknown id.
   */
  targetSwitch(id: string): TargetSwitch | undefined {
    return this.#switches.get(id);
  }

  /**
   * Report user targets whose module cannot be found from the script's location.
   * Built-in preset targets are optional: a preset lists several libraries.
   */
  reportMissingModules(): string[] {
    const missing: string[] = [];
    for (const [moduleName, targets] of this.#plans) {
      if (targets.every((target) => target.optional)) continue;
      if (loadedInstances(moduleName).length > 0 || isResolvable(moduleName, this.basedirs)) continue;
      missing.push(moduleName);
      const sources = targets.filter((target) => !target.optional).map((target) => target.source);
      reportDiagnostic(
        'SS_TARGET_MODULE_MISSING',
        `module "${moduleName}" (targets at ${sources.join(', ')}) cannot be found from ${this.basedirs.map((dir) => path.relative(process.cwd(), dir) || '.').join(', ')}; its targets are skipped, the rest still work`,
      );
    }
    return missing;
  }

  /** Targets that matched something in a loaded module. */
  get patchedTargets(): ReadonlySet<string> {
    return this.#patchedTargets;
  }

  #apply(loaded: LoadedModule): void {
    if (!this.#enabled) return;
    const targets = this.#plans.get(loaded.moduleName);
    if (targets === undefined) return;
    const root = loaded.exports;
    if ((typeof root !== 'object' && typeof root !== 'function') || root === null) return;
    if (this.#handled.has(root)) return;
    this.#handled.add(root);
    // Merge targets per owner first: `createWorker` and `createWorker().recognize`
    // must become one wrapper that records a span and patches what it returns.
    const byOwner = new Map<object, PlanNode>();
    for (const target of targets) {
      let steps = target.steps;
      let owner = root as Record<string, unknown>;
      const first = steps[0];
      // CJS exports are an ESM namespace's `default`: accept paths written either way.
      if (first?.kind === 'property') {
        if (loaded.kind === 'cjs' && first.name === 'default' && !('default' in owner)) steps = steps.slice(1);
        else if (loaded.kind === 'esm' && !(first.name in owner) && owner.default !== undefined && owner.default !== null) {
          owner = owner.default as Record<string, unknown>;
        }
      }
      let plan = byOwner.get(owner);
      if (plan === undefined) byOwner.set(owner, (plan = newNode()));
      addToPlan(plan, target, steps);
    }
    for (const [owner, plan] of byOwner) {
      this.#applyPlan(owner as Record<string, unknown>, plan, loaded, '', owner === root);
    }
  }

  /** Walk property steps to the function to wrap, then wrap it. */
  #applyPlan(owner: Record<string, unknown>, node: PlanNode, loaded: LoadedModule, prefix: string, atNamespace: boolean): void {
    for (const [name, child] of node.children) {
      const target = (child.target ?? findTarget(child))!;
      if (child.target !== undefined || child.call !== undefined) {
        this.#wrapAt(owner, name, child, loaded, atNamespace, prefix);
      }
      if (child.children.size > 0) {
        let value: unknown;
        try {
          value = owner[name];
        } catch {
          value = undefined;
        }
        if ((typeof value !== 'object' && typeof value !== 'function') || value === null) {
          this.#missing(target, loaded, prefix + name);
          continue;
        }
        this.#applyPlan(value as Record<string, unknown>, child, loaded, `${prefix}${name}.`, false);
      }
    }
  }

  #wrapAt(owner: Record<string, unknown>, name: string, node: PlanNode, loaded: LoadedModule, atNamespace: boolean, prefix: string): void {
    const target = (node.target ?? findTarget(node))!;
    const spec = this.#specFor(node, target);
    const makeWrapper = (original: Function): Function => wrapFunction(original, spec, this.tracer);
    if (atNamespace && loaded.kind === 'esm') {
      // An ESM namespace is read-only: swap the facade's binding instead.
      const setter = loaded.setters?.[name];
      const original = owner[name];
      if (setter === undefined || typeof original !== 'function') {
        this.#missing(target, loaded, prefix + name);
        return;
      }
      const wrapped = makeWrapper(original);
      let applied = false;
      const patch: Patch = {
        owner,
        key: name,
        original,
        wrapped,
        get applied() {
          return applied;
        },
        undo() {
          if (applied) setter(original);
          applied = false;
        },
        redo() {
          if (!applied) setter(wrapped);
          applied = true;
        },
      };
      patch.redo();
      this.#patches.push(patch);
      this.#patchedTargets.add(target.id);
      return;
    }
    const result = patchProperty(owner, name, makeWrapper);
    if (result.ok) {
      this.#patches.push(result.patch);
      this.#patchedTargets.add(target.id);
    } else if (result.reason === 'it is already wrapped') {
      this.#patchedTargets.add(target.id); // reached through another module (a re-export)
    } else if (result.reason === 'it does not exist') {
      this.#missing(target, loaded, prefix + name);
    } else {
      reportDiagnostic('SS_TARGET_UNPATCHABLE', `${target.source}: cannot wrap ${target.id} in ${loaded.location}: ${result.reason}; ${MANUAL_SPAN_HINT}`);
    }
  }

  #specFor(node: PlanNode, target: ResolvedTarget): WrapSpec {
    const hook: TargetHook | undefined = node.target?.hook !== undefined ? getTargetHook(node.target.hook) : undefined;
    const callPlan = node.call;
    return {
      name: node.target?.name ?? target.name,
      stage: node.target?.stage ?? null,
      target: node.target?.id ?? target.id,
      record: node.target !== undefined,
      callback: node.target?.callback ?? false,
      hook,
      scope: this.hookScope,
      onResult: callPlan === undefined ? undefined : (value: unknown) => this.#applyToProduct(value, callPlan),
      switch: this.#switches.get(target.id)!,
    };
  }

  /**
   * Wrap methods on an object a factory returned (tesseract.js's worker is a plain
   * object of closures). These patches are not undone on disable — the object
   * belongs to the app — but their switch makes them pass through.
   */
  #applyToProduct(product: unknown, node: PlanNode): void {
    if ((typeof product !== 'object' && typeof product !== 'function') || product === null) return;
    const owner = product as Record<string, unknown>;
    for (const [name, child] of node.children) {
      const target = (child.target ?? findTarget(child))!;
      if (child.target !== undefined || child.call !== undefined) {
        const result = patchProperty(owner, name, (original) => wrapFunction(original, this.#specFor(child, target), this.tracer));
        if (!result.ok && result.reason !== 'it is already wrapped') {
          reportDiagnostic('SS_TARGET_EXPORT_MISSING', `${target.source}: the object returned for ${target.id} has no method "${name}" (${result.reason})`);
        }
      }
      if (child.children.size > 0) this.#applyToProduct(owner[name], child);
    }
  }

  #missing(target: ResolvedTarget, loaded: LoadedModule, at: string): void {
    reportDiagnostic(
      'SS_TARGET_EXPORT_MISSING',
      `${target.source}: ${target.module} (${loaded.location}) has no "${at}" for target ${target.id}; that target is skipped, the rest still work`,
    );
  }
}

/** Add one target's steps to a module's merged plan. */
function addToPlan(root: PlanNode, target: ResolvedTarget, steps: readonly PathStep[]): void {
  let node = root;
  for (const step of steps) {
    if (step.kind === 'call') {
      node.call ??= newNode();
      node = node.call;
    } else {
      let child = node.children.get(step.name);
      if (child === undefined) node.children.set(step.name, (child = newNode()));
      node = child;
    }
  }
  node.target = target;
}

function findTarget(node: PlanNode): ResolvedTarget | undefined {
  if (node.target !== undefined) return node.target;
  for (const child of node.children.values()) {
    const found = findTarget(child);
    if (found !== undefined) return found;
  }
  return node.call === undefined ? undefined : findTarget(node.call);
}
