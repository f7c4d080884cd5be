import { nowNs, nsToWallMs } from '../src/core/clock.js';
import type { SpanRecord, Stage } from '../src/core/types.js';
import type { FinishedRequest } from '../src/core/request-events.js';
import { spanRecord } from './helpers.js';

let nextId = 1_000_000;

/**
 * A finished request in the shape the serving middleware publishes, for testing
 * exporters without a server: root span plus one span per given stage.
 */
export function fakeRequest(
  route: string,
  status: number,
  stages: { stage: Stage; target: string; durationNs: number }[],
  traceId = '5b8efff798038103d269b633813fc60c',
): FinishedRequest {
  const startNs = nowNs();
  const rootId = String(nextId++);
  let cursorNs = 1000;
  const spans: SpanRecord[] = [];
  for (const { stage, target, durationNs } of stages) {
    spans.push(spanRecord({ id: String(nextId++), parentId: rootId, traceId, name: stage, stage, target, startNs: cursorNs, durationNs, selfNs: durationNs }));
    cursorNs += durationNs;
  }
  const latencyNs = cursorNs + 1000;
  spans.unshift({
    id: rootId,
    parentId: null,
    traceId,
    name: `GET ${route}`,
    stage: null,
    target: null,
    startNs: 0,
    durationNs: latencyNs,
    selfNs: 2000,
    status: status >= 500 ? 'error' : 'ok',
    error: null,
    metrics: {},
    attributes: { 'http.request.method': 'GET' },
  });
  return {
    id: `req-${rootId}`,
    traceId,
    rootSpanId: rootId,
    method: 'GET',
    route,
    path: route,
    status,
    error: status >= 500,
    startNs,
    endNs: startNs + latencyNs,
    latencyNs,
    startedAt: new Date(nsToWallMs(startNs)).toISOString(),
    overheadNs: 500,
    wrappedCalls: stages.length,
    spans,
    adaptive: [],
    droppedSpans: 0,
  };
}
