import type { RunDocument } from '../core/run-document.js';
import { RUN_FORMAT } from '../core/run-document.js';
import { packageVersion } from '../paths.js';
import type { FinishedRequest } from '../core/request-events.js';

/**
 * A finished request as a run document (`stagescope.run/1`), so every renderer
 * (text tree, call graph, Gantt, compare) works on a request tree too.
 */
export function requestToRunDocument(request: FinishedRequest, preset: string | null = null): RunDocument {
  const doc: RunDocument = {
    format: RUN_FORMAT,
    preset,
    command: [`${request.method} ${request.path}`],
    startedAt: request.startedAt,
    durationNs: request.latencyNs,
    overheadNs: request.overheadNs,
    wrappedCalls: request.wrappedCalls,
    droppedSpans: request.droppedSpans,
    exitCode: null,
    error: request.spans[0]?.error ?? null,
    environment: { node: process.version, platform: process.platform, arch: process.arch, stagescope: packageVersion },
    diagnostics: [],
    spans: request.spans,
  };
  if (request.adaptive.length > 0) doc.adaptive = request.adaptive;
  return doc;
}
