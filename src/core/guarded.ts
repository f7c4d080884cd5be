import type { DiagnosticCode } from './codes.js';
import { reportDiagnostic } from './diagnostics.js';

/**
 * What failed, for the diagnostic's message (`${what}: ${error}`). A function is
 * called only when `fn` threw: on a hot path, where the text would be built on
 * every call, pass `() => \`…\``.
 */
export type GuardedWhat = string | (() => string);

/**
 * Run stagescope's own work where a failure must not reach the application (a
 * hook, a listener, a probe, an exporter step): return what `fn` returns, or,
 * if it throws, report `code` with the message `${what}: ${String(error)}` and
 * return `fallback` (undefined when not given). Never throws.
 *
 * The one form of "try, report, carry on" in stagescope: the app sees no error
 * of ours, and what was recorded before the failure stays recorded.
 *
 * @example
 * const route = guarded('SS_SERVE_ROUTE_FAILED', 'could not read the route of a request', () => routeOf(req));
 */
export function guarded<T>(code: DiagnosticCode, what: GuardedWhat, fn: () => T): T | undefined;
export function guarded<T, F>(code: DiagnosticCode, what: GuardedWhat, fn: () => T, fallback: F): T | F;
export function guarded<T, F>(code: DiagnosticCode, what: GuardedWhat, fn: () => T, fallback?: F): T | F | undefined {
  try {
    return fn();
  } catch (error) {
    reportGuarded(code, what, error);
    return fallback;
  }
}

/**
 * {@link guarded} for async work: resolves to what `fn` resolves to, or, if it
 * throws or rejects, reports and resolves to `fallback`. Never rejects.
 */
export async function guardedAsync<T>(code: DiagnosticCode, what: GuardedWhat, fn: () => T | PromiseLike<T>): Promise<T | undefined>;
export async function guardedAsync<T, F>(code: DiagnosticCode, what: GuardedWhat, fn: () => T | PromiseLike<T>, fallback: F): Promise<T | F>;
export async function guardedAsync<T, F>(code: DiagnosticCode, what: GuardedWhat, fn: () => T | PromiseLike<T>, fallback?: F): Promise<T | F | undefined> {
  try {
    return await fn();
  } catch (error) {
    reportGuarded(code, what, error);
    return fallback;
  }
}

/**
 * Report a failure caught elsewhere (a promise's rejection handler, an `error`
 * event) with the same message shape as {@link guarded}.
 */
export function reportGuarded(code: DiagnosticCode, what: GuardedWhat, error: unknown): void {
  let message: string;
  try {
    message = `${typeof what === 'function' ? what() : what}: ${String(error)}`;
  } catch {
    // String() of a null-prototype object throws: still report, and still never throw
    message = `${typeof what === 'string' ? what : 'stagescope failed'}: a thrown value that cannot be shown as text`;
  }
  reportDiagnostic(code, message, error);
}
