import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Recorder } from '../src/core/recorder.js';
import { buildRunDocument, selfTime } from '../src/core/run-document.js';
import { Tracer } from '../src/core/tracer.js';
import type { SpanRecord } from '../src/core/types.js';
import { spanRecord } from './helpers.js';

describe('Recorder', () => {
  it('keeps at most maxSpans, drops the oldest and counts them', () => {
    const tracer = new Tracer({ maxSpans: 5 });
    const root = tracer.startSpan('run', { parent: null });
    for (let i = 0; i < 12; i++) tracer.endSpan(tracer.startSpan(`s${i}`, { parent: root }));
    const names = tracer.recorder.spans().map((span) => span.name);
    assert.deepEqual(names, ['s7', 's8', 's9', 's10', 's11']);
    assert.equal(tracer.recorder.droppedSpans, 8);
    assert.equal(tracer.recorder.droppedOpenSpans, 1, 'the open root was among the dropped');
  });

  it('the run document attaches spans whose parent was dropped to the root and says so', () => {
    const tracer = new Tracer({ maxSpans: 3 });
    const root = tracer.startSpan('run', { parent: null });
    const parent = tracer.startSpan('parent', { parent: root });
    const child = tracer.startSpan('child', { parent });
    const x = tracer.startSpan('x', { parent: root });
    const y = tracer.startSpan('y', { parent: root });
    [child, parent, x, y].forEach((span) => tracer.endSpan(span));
    tracer.endSpan(root);
    // buffer now holds child, x, y: root and parent were dropped
    const doc = buildRunDocument({
      preset: null,
      command: [],
      root,
      spans: [root, ...tracer.recorder.spans()],
      droppedSpans: tracer.recorder.droppedSpans,
      stagescopeVersion: 'test',
    });
    assert.equal(doc.droppedSpans, 2);
    const byName = new Map(doc.spans.map((span) => [span.name, span]));
    assert.equal(byName.has('parent'), false);
    assert.equal(byName.get('child')?.parentId, root.id);
    assert.equal(byName.get('child')?.attributes.orphaned, true);
    assert.equal(byName.get('x')?.attributes.orphaned, undefined);
  });

  it('rejects a bad maxSpans with the option name', () => {
    assert.throws(() => new Recorder({ maxSpans: 0 }), /maxSpans must be a positive integer/);
  });
});

describe('selfTime', () => {
  const span = (startNs: number, durationNs: number): SpanRecord => spanRecord({ id: '1', parentId: null, name: 'x', startNs, durationNs });
  it('subtracts the union of children, so overlapping concurrent children never make it negative', () => {
    assert.equal(selfTime(span(0, 100), []), 100);
    assert.equal(selfTime(span(0, 100), [span(10, 20), span(40, 20)]), 60);
    assert.equal(selfTime(span(0, 100), [span(10, 50), span(20, 50)]), 40, 'overlap counted once');
    assert.equal(selfTime(span(0, 100), [span(0, 100), span(0, 100), span(0, 100)]), 0);
    assert.equal(selfTime(span(0, 100), [span(90, 50)]), 90, 'clipped to the parent');
  });
});
