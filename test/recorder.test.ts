import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Recorder } from '../src/core/recorder.js';
import { buildRunDocument, selfTime } from '../src/core/run-document.js';
import type { Span } from '../src/core/span.js';
import { Tracer } from '../src/core/tracer.js';
import type { SpanRecord, Stage } from '../src/core/types.js';
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

  it('rebuilds the children of a parent that left the ring with one stand-in parent, which the run document leaves out', () => {
    const tracer = new Tracer({ maxSpans: 4 });
    const root = tracer.startSpan('run', { parent: null });
    const parent = tracer.startSpan('parent', { parent: root });
    const children = Array.from({ length: 4 }, (_, index) => tracer.startSpan(`child ${index}`, { parent }));
    for (const span of children) {
      span.retain = false; // as a wrapper's spans: rebuilt from their rows
      tracer.endSpan(span);
    }
    tracer.endSpan(parent);
    tracer.endSpan(root);
    const rebuilt = tracer.recorder.spans();
    assert.deepEqual(
      rebuilt.map((span) => span.name),
      children.map((span) => span.name),
      'root and parent were dropped',
    );
    assert.ok(
      rebuilt.every((span, index) => span !== children[index]),
      'rebuilt, not the handles',
    );
    const parents = new Set(rebuilt.map((span) => span.parent));
    assert.equal(parents.size, 1, 'one stand-in for all four');
    assert.equal([...parents][0]!.idNumber, parent.idNumber);
    const doc = buildRunDocument({ preset: null, command: [], root, spans: rebuilt, droppedSpans: tracer.recorder.droppedSpans, stagescopeVersion: 'test' });
    assert.deepEqual(
      doc.spans.map((span) => [span.name, span.parentId, span.attributes.orphaned ?? false]),
      [['run', null, false], ...children.map((span) => [span.name, root.id, true])],
    );
  });

  it('gives back each ended span its own metrics, across a wrapped ring, a NaN and more names than it keeps in columns', () => {
    const tracer = new Tracer({ maxSpans: 4 });
    const ended = (name: string, metrics: Record<string, number> | null): void => {
      const span = tracer.startSpan(name, { parent: null });
      span.retain = false; // the recorder keeps the copy only, as for a hookless wrapped call
      for (const [key, value] of Object.entries(metrics ?? {})) span.setMetric(key, value);
      tracer.endSpan(span);
    };
    const metricsOf = (): Record<string, Record<string, number> | null> =>
      Object.fromEntries(tracer.recorder.spans().map((span) => [span.name, span.metrics === null ? null : { ...span.metrics }]));

    ended('a', { cpuUserNs: 1500, heapUsedDeltaBytes: -64 });
    ended('b', null);
    ended('c', { heapUsedDeltaBytes: 0, rssPeakBytes: 2 ** 40 });
    ended('d', { cpuUserNs: -0 });
    assert.deepEqual(metricsOf(), {
      a: { cpuUserNs: 1500, heapUsedDeltaBytes: -64 },
      b: null,
      c: { heapUsedDeltaBytes: 0, rssPeakBytes: 2 ** 40 },
      d: { cpuUserNs: -0 },
    });
    // The ring wraps: e and f take a's and b's rows; a row keeps none of the span it replaced.
    ended('e', null);
    ended('f', { externalDeltaBytes: 7 });
    assert.deepEqual(metricsOf(), { c: { heapUsedDeltaBytes: 0, rssPeakBytes: 2 ** 40 }, d: { cpuUserNs: -0 }, e: null, f: { externalDeltaBytes: 7 } });
    // A NaN cannot be told from "none" in a column: that span keeps its object, all of it.
    ended('g', { cpuUserNs: 5, meanNs: Number.NaN });
    const g = tracer.recorder.spans().find((span) => span.name === 'g')!;
    assert.equal(g.metrics?.cpuUserNs, 5);
    assert.ok(Number.isNaN(g.metrics?.meanNs), 'the NaN is kept');
    // Past 64 metric names, the new names stay in the span's object.
    const many = Object.fromEntries(Array.from({ length: 70 }, (_, i) => [`m${i}`, i]));
    ended('h', many);
    assert.deepEqual(tracer.recorder.spans().find((span) => span.name === 'h')!.metrics, many);
    assert.deepEqual(metricsOf().f, { externalDeltaBytes: 7 }, 'an older row is untouched');
  });

  it('a change committed after the end replaces the row’s metrics', () => {
    const tracer = new Tracer();
    const span = tracer.startSpan('late', { parent: null });
    span.setMetric('cpuUserNs', 1);
    span.setMetric('heapUsedDeltaBytes', 2);
    tracer.endSpan(span);
    delete span.metrics!.heapUsedDeltaBytes;
    span.setMetric('cpuUserNs', 3);
    span.retain = false;
    span.amend();
    assert.deepEqual(tracer.recorder.spans()[0]!.metrics, { cpuUserNs: 3 });
  });

  it('grows past its first 128 rows while spans are added, keeps every row across the growth and times it; clear() starts over', () => {
    const tracer = new Tracer({ maxSpans: 3000 });
    const ended = (name: string, metrics: Record<string, number> | null): void => {
      const span = tracer.startSpan(name, { parent: null });
      span.retain = false;
      for (const [key, value] of Object.entries(metrics ?? {})) span.setMetric(key, value);
      tracer.endSpan(span);
    };
    const open = tracer.startSpan('open', { parent: null }); // row 0, still open across the growth
    for (let i = 1; i < 128; i++) ended(`s${i}`, i === 1 ? { cpuUserNs: 1 } : null);
    assert.equal(tracer.recorder.growNs, 0, 'the first 128 rows exist from the start');
    ended('s128', null);
    assert.ok(tracer.recorder.growNs > 0, 'the growth is timed');
    const grownNs = tracer.recorder.growNs;
    for (let i = 129; i < 1024; i++) ended(`s${i}`, null);
    assert.equal(tracer.recorder.growNs, grownNs, 'the first growth made 1,024 rows');
    ended('s1024', null);
    const grownTwiceNs = tracer.recorder.growNs;
    assert.ok(grownTwiceNs > grownNs, 'the second growth is timed');
    for (let i = 1025; i < 3000; i++) ended(`s${i}`, i === 2999 ? { cpuUserNs: 2 } : null);
    assert.equal(tracer.recorder.growNs, grownTwiceNs, 'then one growth to maxSpans (3,000 < 4,096), not one per doubling');
    const spans = tracer.recorder.spans();
    assert.equal(spans.length, 3000);
    assert.equal(spans[0], open, 'an open span is its live handle, also after the growth');
    assert.deepEqual(
      spans.slice(1).map((span) => span.name),
      Array.from({ length: 2999 }, (_, i) => `s${i + 1}`),
    );
    assert.deepEqual(spans[1]!.metrics, { cpuUserNs: 1 }, 'a metric column is copied into the grown rows');
    assert.deepEqual(spans[2999]!.metrics, { cpuUserNs: 2 });
    assert.equal(spans.filter((span) => span.metrics !== null).length, 2, 'the grown rows of a metric column read as none');
    assert.equal(tracer.recorder.droppedSpans, 0);
    tracer.endSpan(open);
    tracer.recorder.clear();
    assert.equal(tracer.recorder.growNs, 0);
    assert.deepEqual(tracer.recorder.spans(), []);
    for (let i = 0; i < 1100; i++) ended(`t${i}`, null);
    assert.deepEqual(
      tracer.recorder.spans().map((span) => span.name),
      Array.from({ length: 1100 }, (_, i) => `t${i}`),
    );
  });

  it('grows to 1,024, 4,096 and 16,384 rows, then 16 times at a time', () => {
    const tracer = new Tracer({ maxSpans: 20_000 });
    const grewAt: number[] = [];
    for (let i = 0; i < 16_385; i++) {
      const beforeNs = tracer.recorder.growNs;
      const span = tracer.startSpan('s', { parent: null });
      span.retain = false;
      tracer.endSpan(span);
      if (tracer.recorder.growNs > beforeNs) grewAt.push(i);
    }
    // A model loop of a few thousand spans stops at 4,096 rows: a 16,384-row column is mapped fresh and faulted in.
    assert.deepEqual(grewAt, [128, 1024, 4096, 16_384]);
    assert.equal(tracer.recorder.spans().length, 16_385);
  });

  /** A span as the wrapper makes one: the recorder keeps its row, not its handle (Span.retain false). */
  function wrappedCallSpan(tracer: Tracer, name: string, parent: Span | null, stage: Stage | null = 'detection'): Span {
    const span = tracer.openSpanFast(name, -1, stage, 'lib#fn', parent ?? undefined);
    span.retain = false;
    tracer.stampStart(span);
    return span;
  }

  it('reads an open span of a wrapped call from its row: name, stage, start and the attributes it started with, unfinished', () => {
    const tracer = new Tracer({ maxSpans: 4 });
    const root = tracer.startSpan('run', { parent: null });
    // The ring wraps twice over ended spans with an error, metrics and attributes, so the rows the open spans take hold an older span's fields.
    for (let i = 0; i < 6; i++) {
      const old = wrappedCallSpan(tracer, `old${i}`, root, 'recognition');
      old.setMetric('cpuMs', 1);
      old.setAttribute('old', true);
      tracer.endSpan(old, old.startNs + 10, new Error('older span'));
    }
    const open = tracer.openSpanFast('decode', -1, 'detection', 'lib#decode', root);
    open.setAttribute('shape', '1x3');
    open.retain = false;
    tracer.stampStart(open);
    // Set after the start into the object it started with: the row holds that object.
    open.setAttribute('late', 1);
    // One that started without attributes: what is set later reaches the row when it ends.
    const bare = wrappedCallSpan(tracer, 'bare', root);
    bare.setAttribute('late', 2);
    const read = tracer.recorder.spans().find((span) => span.idNumber === open.idNumber);
    assert.ok(read !== undefined, 'the open span is in the recorder');
    assert.notEqual(read, open, 'read from its row, not the handle');
    assert.deepEqual(
      [read.name, read.stage, read.target, read.startNs, read.endNs, read.status, read.error, read.metrics, read.attributes],
      ['decode', 'detection', 'lib#decode', open.startNs, -1, 'unfinished', null, null, { shape: '1x3', late: 1 }],
    );
    assert.equal(read.parent?.idNumber, root.idNumber);
    const bareRead = () => tracer.recorder.spans().find((span) => span.idNumber === bare.idNumber)!;
    assert.deepEqual([bareRead().name, bareRead().status, bareRead().attributes], ['bare', 'unfinished', null]);
    tracer.endSpan(bare, bare.startNs + 1);
    assert.deepEqual(bareRead().attributes, { late: 2 });
    tracer.endSpan(open, open.startNs + 5);
    const ended = tracer.recorder.spans().find((span) => span.idNumber === open.idNumber)!;
    assert.deepEqual([ended.endNs, ended.status, ended.attributes], [open.startNs + 5, 'ok', { shape: '1x3', late: 1 }]);
  });

  it('counts an open wrapped call’s span whose row a newer span takes as dropped open; its end then writes nothing', () => {
    const tracer = new Tracer({ maxSpans: 2 });
    const open = wrappedCallSpan(tracer, 'slow', null);
    const ended = wrappedCallSpan(tracer, 'fast', null);
    tracer.endSpan(ended, ended.startNs + 1);
    wrappedCallSpan(tracer, 'next', null); // takes the slow span's row
    assert.deepEqual([tracer.recorder.droppedSpans, tracer.recorder.droppedOpenSpans], [1, 1]);
    tracer.endSpan(open, open.startNs + 100);
    assert.deepEqual(
      tracer.recorder.spans().map((span) => [span.name, span.status]),
      [
        ['fast', 'ok'],
        ['next', 'unfinished'],
      ],
    );
  });

  it('keeps the handle of a wrapped call’s span asked to keep it after it started (a hook’s Span.retain), from its end on', () => {
    const tracer = new Tracer();
    const span = wrappedCallSpan(tracer, 'run', null);
    span.retain = true; // onnx-profiler: kernels are added to it after it ends
    tracer.endSpan(span, span.startNs + 1);
    assert.equal(tracer.recorder.spans()[0], span);
    span.setAttribute('kernels', 3);
    span.amend();
    assert.deepEqual(tracer.recorder.spans()[0]!.attributes, { kernels: 3 });
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

  it('gives the same self time for children in any order (start order is merged as it comes, other orders are sorted)', () => {
    const children = [span(10, 30), span(20, 5), span(-10, 15), span(60, 50), span(50, 20)];
    const inOrder = [...children].sort((a, b) => a.startNs - b.startNs);
    // Covered: [0, 5) (clipped), [10, 40), [50, 100) (clipped): 85 of 100.
    assert.equal(selfTime(span(0, 100), inOrder), 15);
    assert.equal(selfTime(span(0, 100), children), 15);
    assert.equal(selfTime(span(0, 100), [...inOrder].reverse()), 15);
  });
});
