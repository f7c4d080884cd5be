import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RunDocument } from '../src/core/run-document.js';
import { renderChromeTrace } from '../src/render/chrome-trace.js';
import type { ReachBatch } from '../src/reach/foreign-run.js';
import { mergeForeignRuns } from '../src/reach/merge-foreign.js';
import { monotonicDiffNs, toMonotonicNs } from '../src/reach/mono-clock.js';
import { spanRecord } from './helpers.js';

function runDoc(): RunDocument {
  return {
    format: 'stagescope.run/1',
    preset: 'custom',
    command: ['app.mjs'],
    startedAt: new Date(0).toISOString(),
    durationNs: 1000,
    overheadNs: 10,
    wrappedCalls: 1,
    droppedSpans: 0,
    exitCode: 0,
    error: null,
    environment: { node: 'v20', platform: 'linux', arch: 'x64', stagescope: '0' },
    diagnostics: [],
    spans: [
      spanRecord({ id: '1', parentId: null, name: 'run', startNs: 0, durationNs: 1000, traceId: 'T' }),
      spanRecord({ id: '2', parentId: '1', name: 'pipeline', startNs: 100, durationNs: 800, traceId: 'T' }),
    ],
  };
}

function batch(fields: Partial<ReachBatch> & Pick<ReachBatch, 'spans'>): ReachBatch {
  return {
    format: 'stagescope.reach/1',
    linkId: 'L1',
    kind: 'worker',
    pid: 100,
    threadId: 3,
    label: 'pool.mjs',
    rootId: 'w3:1',
    parentSpanId: '2',
    rootStartMonotonicNs: '0',
    final: false,
    ...fields,
  };
}

describe('merging worker and child spans into a run (reach)', () => {
  it('puts a worker under the span it was started in, shifted onto the run clock, with thread ids and recomputed self times', () => {
    const doc = runDoc();
    mergeForeignRuns(doc, [
      {
        shiftNs: 200,
        batches: [
          batch({ spans: [spanRecord({ id: 'w3:2', parentId: 'w3:1', name: 'infer', startNs: 10, durationNs: 100, threadId: 3 })] }),
          batch({
            final: true,
            overheadNs: 5,
            wrappedCalls: 1,
            diagnostics: [{ code: 'SS_X', message: 'something' }],
            spans: [spanRecord({ id: 'w3:1', parentId: null, name: 'run', startNs: 0, durationNs: 300, threadId: 3 })],
          }),
        ],
      },
    ]);
    const worker = doc.spans.find((span) => span.id === 'w3:1')!;
    assert.deepEqual(
      [worker.name, worker.parentId, worker.startNs, worker.durationNs, worker.threadId, worker.traceId],
      ['worker pool.mjs', '2', 200, 300, 3, 'T'],
    );
    const infer = doc.spans.find((span) => span.id === 'w3:2')!;
    assert.deepEqual([infer.parentId, infer.startNs, infer.threadId], ['w3:1', 210, 3]);
    assert.equal(worker.selfNs, 200);
    assert.equal(doc.spans.find((span) => span.id === '2')!.selfNs, 500, "the parent's self time no longer counts the worker's interval");
    assert.deepEqual([doc.overheadNs, doc.wrappedCalls], [15, 2]);
    assert.deepEqual(doc.diagnostics, [{ code: 'SS_X', message: '(in worker pool.mjs) something' }]);
    assert.deepEqual(doc.reach, [{ kind: 'worker', rootId: 'w3:1', pid: 100, threadId: 3, label: 'pool.mjs', complete: true }]);
  });

  it('a source that never reported its end keeps its spans: a made-up unfinished root ending with its last span', () => {
    const doc = runDoc();
    mergeForeignRuns(doc, [
      { shiftNs: 100, batches: [batch({ spans: [spanRecord({ id: 'w3:5', parentId: 'w3:1', name: 'infer', startNs: 50, durationNs: 20 })] })] },
    ]);
    const root = doc.spans.find((span) => span.id === 'w3:1')!;
    assert.deepEqual([root.status, root.startNs, root.durationNs, root.parentId], ['unfinished', 100, 70, '2']);
    assert.equal(doc.reach?.[0]?.complete, false);
  });

  it('a terminated worker (its thread stopped, no final batch) ends when the run saw it stop', () => {
    const doc = runDoc();
    const spans = [spanRecord({ id: 'w3:5', parentId: 'w3:1', name: 'infer', startNs: 50, durationNs: 20 })];
    mergeForeignRuns(doc, [{ shiftNs: 100, exit: { atNs: 400, exitCode: 1 }, batches: [batch({ spans })] }]);
    const root = doc.spans.find((span) => span.id === 'w3:1')!;
    assert.deepEqual([root.status, root.durationNs, root.attributes.terminated, root.attributes.exitCode], ['ok', 300, true, 1]);
  });

  it('a child process keeps its pid; an unknown parent span falls back to the run root, marked orphaned; diagnostics of many sources are said once', () => {
    const doc = runDoc();
    const child = (linkId: string, pid: number): ReachBatch =>
      batch({
        linkId,
        kind: 'process',
        pid,
        threadId: 0,
        label: 'child.mjs',
        rootId: `p${pid}:1`,
        parentSpanId: '99',
        final: true,
        diagnostics: [{ code: 'SS_X', message: 'same' }],
        spans: [spanRecord({ id: `p${pid}:1`, parentId: null, name: 'run', startNs: 0, durationNs: 10, pid })],
      });
    mergeForeignRuns(doc, [
      { shiftNs: 0, batches: [child('a', 7)] },
      { shiftNs: 0, batches: [child('b', 8)] },
    ]);
    const roots = doc.spans.filter((span) => span.name === 'process child.mjs');
    assert.deepEqual(
      roots.map((span) => [span.pid, span.parentId, span.attributes.orphaned]),
      [
        [7, '1', true],
        [8, '1', true],
      ],
    );
    assert.equal(doc.diagnostics.length, 1);
  });

  it('a nested worker whose parent reported later is still parented under it', () => {
    const doc = runDoc();
    mergeForeignRuns(doc, [
      {
        shiftNs: 0,
        batches: [
          batch({
            linkId: 'inner',
            threadId: 4,
            rootId: 'w4:1',
            parentSpanId: 'w3:2',
            final: true,
            spans: [spanRecord({ id: 'w4:1', parentId: null, name: 'run', startNs: 0, durationNs: 5 })],
          }),
        ],
      },
      {
        shiftNs: 0,
        batches: [
          batch({
            final: true,
            spans: [
              spanRecord({ id: 'w3:1', parentId: null, name: 'run', startNs: 0, durationNs: 10 }),
              spanRecord({ id: 'w3:2', parentId: 'w3:1', name: 'pipeline', startNs: 0, durationNs: 8 }),
            ],
          }),
        ],
      },
    ]);
    assert.equal(doc.spans.find((span) => span.id === 'w4:1')!.parentId, 'w3:2');
  });

  it('the Perfetto trace draws each thread and process on tracks of its own', () => {
    const doc = runDoc();
    mergeForeignRuns(doc, [
      { shiftNs: 150, batches: [batch({ final: true, spans: [spanRecord({ id: 'w3:1', parentId: null, name: 'run', startNs: 0, durationNs: 100 })] })] },
    ]);
    const trace = renderChromeTrace(doc);
    const events = trace.traceEvents.filter((event) => event.ph === 'X');
    const tidOf = (name: string): number | undefined => events.find((event) => event.name === name)?.tid;
    // The worker fits inside `pipeline` in time, but it ran on another thread.
    assert.notEqual(tidOf('worker pool.mjs'), tidOf('pipeline'));
    const names = trace.traceEvents.filter((event) => event.name === 'thread_name').map((event) => event.args?.name);
    assert.ok(names.includes('worker 3: worker pool.mjs'), JSON.stringify(names));
  });

  it('monotonic times line up readings of this thread', () => {
    assert.equal(monotonicDiffNs(toMonotonicNs(5_000), toMonotonicNs(2_000)), 3_000);
    assert.equal(monotonicDiffNs('garbage', '1'), 0);
  });
});
