import { buildRunDocument } from '../core/run-document.js';
import { errorToRecord } from '../core/span.js';
import { writeFileAtomicSync } from '../render/atomic-write.js';
import { packageVersion } from '../paths.js';
import type { TracedRun } from './traced-run.js';

export const SNAPSHOT_DIAGNOSTIC_CODE = 'SS_RUN_SNAPSHOT';

/**
 * Should an uncaught error be followed by a snapshot? Only when somebody else
 * listens for `uncaughtException`: without a listener Node emits `exit` and the
 * run is saved there. With one, the process may go on (the listener logged the
 * error) or die at once with exit code 7 and no `exit` event (the listener
 * rethrew, as opencv-js and tfjs-backend-wasm do); `uncaughtExceptionMonitor` is
 * the last JavaScript that runs before that, so the run is saved now.
 */
export function uncaughtMayEndSilently(): boolean {
  return process.listenerCount('uncaughtException') > 0;
}

/**
 * Write the run as it is now (open spans `unfinished`), without ending it, to
 * `file` (atomically). If the process survives, the run's real end overwrites
 * it. Never throws: a failing snapshot must not change how the app dies.
 */
export function saveRunSnapshot(preset: TracedRun, command: string[], file: string, error: unknown): void {
  try {
    const root = preset.root;
    if (root === null || root.ended) return;
    const doc = buildRunDocument({
      preset: preset.name,
      command,
      root,
      spans: preset.tracer.recorder.spans(),
      droppedSpans: preset.tracer.recorder.droppedSpans,
      exitCode: null,
      diagnostics: [
        {
          code: SNAPSHOT_DIAGNOSTIC_CODE,
          message:
            'saved when an uncaught error reached an uncaughtException listener (the process may have died there with exit code 7, which runs no exit handler); spans still open are marked unfinished',
        },
      ],
      stagescopeVersion: packageVersion,
    });
    doc.error = errorToRecord(error);
    writeFileAtomicSync(file, JSON.stringify(doc, null, 1) + '\n');
  } catch {
    // best effort only
  }
}
