import diagnosticsChannel from 'node:diagnostics_channel';
import type { DiagnosticCode } from './codes.js';

/**
 * stagescope's own problems (a target that does not exist, a hook that threw) go
 * here, never into the application. Published on the `stagescope:diagnostic`
 * channel for anyone listening, and collected (deduplicated) so the driver can
 * print them once at the end of a run.
 */
export interface Diagnostic {
  /** Stable code, e.g. `SS_TARGET_EXPORT_MISSING`; every code and its meaning are in `DIAGNOSTIC_CODES` (docs/diagnostics.md). */
  code: DiagnosticCode;
  message: string;
  error?: unknown;
}

export const diagnosticChannel = diagnosticsChannel.channel('stagescope:diagnostic');

const seen = new Set<string>();
const collected: Diagnostic[] = [];
const MAX_COLLECTED = 200;

/**
 * Report a problem once per distinct (code, message). Never throws. Code that
 * calls something that may throw uses `guarded()` (guarded.ts), which reports
 * through here.
 */
export function reportDiagnostic(code: DiagnosticCode, message: string, error?: unknown): void {
  const key = `${code}\u0000${message}`;
  if (seen.has(key)) return;
  seen.add(key);
  const diagnostic: Diagnostic = error === undefined ? { code, message } : { code, message, error };
  if (collected.length < MAX_COLLECTED) collected.push(diagnostic);
  if (diagnosticChannel.hasSubscribers) {
    try {
      diagnosticChannel.publish(diagnostic);
    } catch {
      // a subscriber's failure is not ours to propagate
    }
  }
}

/** Diagnostics collected since the last `takeDiagnostics()`. */
export function takeDiagnostics(): Diagnostic[] {
  return collected.splice(0, collected.length);
}

/** Forget what was reported (tests). */
export function resetDiagnostics(): void {
  seen.clear();
  collected.length = 0;
}
