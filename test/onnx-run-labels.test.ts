import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isSharedAttributes, shareAttributes, Span, Trace } from '../src/core/span.js';
import { Recorder } from '../src/core/recorder.js';
import { OnnxLatency } from '../src/index.js';
import { CLS_MODEL, loadOrt, type OrtTensor } from './ort-cls.js';

const model = CLS_MODEL;
const MODEL = 'ch_ppocr_mobile_v2.0_cls_infer.onnx';

describe('onnx run spans: labels made once per session and shape (issue "Cost of observation")', () => {
  it('runs of one shape share one attributes object; a new shape gets its own; the document is unchanged (real onnxruntime)', async () => {
    const preset = new OnnxLatency({ quiet: true });
    preset.start();
    const ort = loadOrt();
    const session = await ort.InferenceSession.create(model);
    const input = (batch: number, width: number): Record<string, OrtTensor> => ({
      [session.inputNames[0]!]: new ort.Tensor('float32', new Float32Array(batch * 3 * 48 * width).fill(0.5), [batch, 3, 48, width]),
    });
    for (let i = 0; i < 3; i++) await session.run(input(1, 192));
    await session.run(input(1, 96)); // new feeds, same results
    await session.run(input(2, 192)); // new feeds and results
    await session.run(input(2, 192));
    const runs = preset.tracer.recorder.spans().filter((span) => span.name === `InferenceSession.run ${MODEL}`);
    await session.release();
    const doc = preset.finish(0);

    assert.equal(runs.length, 6, runs.map((span) => span.name).join(', '));
    const [a, b, c, narrow, batchA, batchB] = runs.map((span) => span.attributes);
    assert.ok(isSharedAttributes(a!), 'marked as shared between spans');
    assert.equal(b, a, 'the second run of the shape shares the first one’s attributes');
    assert.equal(c, a);
    assert.notEqual(narrow, a, 'another width: its own attributes');
    assert.notEqual(batchA, narrow);
    assert.equal(batchB, batchA, 'the new shape is shared from its second run on');
    assert.deepEqual(a, { model: MODEL, modelStage: 'classification', feeds: 'x:float32[1x3x48x192]', results: 'softmax_0.tmp_0:float32[1x2]' });
    assert.deepEqual(narrow, { model: MODEL, modelStage: 'classification', feeds: 'x:float32[1x3x48x96]', results: 'softmax_0.tmp_0:float32[1x2]' });
    assert.deepEqual(batchA, { model: MODEL, modelStage: 'classification', feeds: 'x:float32[2x3x48x192]', results: 'softmax_0.tmp_0:float32[2x2]' });
    assert.deepEqual(Object.keys(a!), ['model', 'modelStage', 'feeds', 'results'], 'the keys in the order the hooks set them one by one');

    const docRuns = doc.spans.filter((span) => span.name === `InferenceSession.run ${MODEL}`);
    assert.deepEqual(
      docRuns.map((span) => [span.stage, span.attributes.feeds, span.attributes.results]),
      [
        ['classification', 'x:float32[1x3x48x192]', 'softmax_0.tmp_0:float32[1x2]'],
        ['classification', 'x:float32[1x3x48x192]', 'softmax_0.tmp_0:float32[1x2]'],
        ['classification', 'x:float32[1x3x48x192]', 'softmax_0.tmp_0:float32[1x2]'],
        ['classification', 'x:float32[1x3x48x96]', 'softmax_0.tmp_0:float32[1x2]'],
        ['classification', 'x:float32[2x3x48x192]', 'softmax_0.tmp_0:float32[2x2]'],
        ['classification', 'x:float32[2x3x48x192]', 'softmax_0.tmp_0:float32[2x2]'],
      ],
    );
    assert.ok(!isSharedAttributes(docRuns[0]!.attributes), 'the run document has its own copies');
  });

  it('setAttribute on a span with shared attributes copies them first: the other spans keep theirs', () => {
    const shared = shareAttributes({ model: MODEL, feeds: 'x:float32[1x3x48x192]' });
    const trace = new Trace();
    const first = new Span(trace, null, 'run', null, null, 0);
    const second = new Span(trace, null, 'run', null, null, 0);
    first.attributes = shared;
    second.attributes = shared;
    first.setAttribute('profiling', true);
    assert.deepEqual(first.attributes, { model: MODEL, feeds: 'x:float32[1x3x48x192]', profiling: true });
    assert.ok(!isSharedAttributes(first.attributes), 'its own copy now');
    assert.equal(second.attributes, shared, 'the other span still has the shared object');
    assert.deepEqual(shared, { model: MODEL, feeds: 'x:float32[1x3x48x192]' }, 'the shared object is unchanged');
  });

  it('the recorder keeps a span’s attributes with or without an error, and a reused row forgets the old ones', () => {
    const recorder = new Recorder({ maxSpans: 2 });
    const trace = new Trace();
    const make = (name: string, attributes: Record<string, string> | null, error: boolean): Span => {
      const span = new Span(trace, null, name, null, null, -1);
      recorder.add(span);
      span.startNs = 1;
      span.attributes = attributes;
      span.endNs = 2;
      span.status = error ? 'error' : 'ok';
      if (error) span.error = { name: 'Error', message: 'boom' };
      span.retain = false;
      recorder.commit(span);
      return span;
    };
    const shared = shareAttributes({ feeds: 'x' });
    make('a', shared, false);
    make('b', { feeds: 'y' }, true);
    let [a, b] = recorder.spans();
    assert.equal(a!.attributes, shared);
    assert.deepEqual(b!.attributes, { feeds: 'y' });
    assert.deepEqual(b!.error, { name: 'Error', message: 'boom' });
    make('c', null, false); // takes a's row
    [b, a] = recorder.spans();
    assert.equal(a!.name, 'c');
    assert.equal(a!.attributes, null, 'the row reused by a span without attributes has none');
    assert.deepEqual(b!.attributes, { feeds: 'y' });
  });
});
