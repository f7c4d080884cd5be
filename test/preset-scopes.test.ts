import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { SpanRecord } from '../src/core/types.js';
import { OnnxLatency } from '../src/index.js';
import { MODEL_RULES, resolveModelStage } from '../src/instrument/model-rules.js';
import { ONNX_STATE } from '../src/presets/onnx/onnx-hook-state.js';
import { CLS_MODEL, loadOrt } from './ort-cls.js';

const model = CLS_MODEL;

describe('hook scopes: two presets in one process keep their hooks’ state apart', () => {
  it('each preset has its own hook scope, with its own tracer', () => {
    const a = new OnnxLatency({ quiet: true });
    const b = new OnnxLatency({ quiet: true });
    assert.notEqual(a.instrumenter.hookScope, b.instrumenter.hookScope);
    assert.equal(a.instrumenter.hookScope.tracer, a.tracer);
    assert.notEqual(a.instrumenter.hookScope.state(ONNX_STATE), b.instrumenter.hookScope.state(ONNX_STATE));
  });

  it("a preset with ONNX op drill-down never profiles the sessions another preset's hooks trace (real onnxruntime)", async () => {
    const plain = new OnnxLatency({ quiet: true, ops: false });
    const profiled = new OnnxLatency({ quiet: true, ops: true });
    // `plain` patches onnxruntime first: the calls below go through its wrappers and hooks.
    plain.start();
    profiled.start();
    assert.notEqual(profiled.instrumenter.hookScope.state(ONNX_STATE).profiler, null, 'the drill-down is on for its own preset');
    assert.equal(plain.instrumenter.hookScope.state(ONNX_STATE).profiler, null, '…and only there');
    const ort = loadOrt();
    const session = await ort.InferenceSession.create(model);
    const input = new ort.Tensor('float32', new Float32Array(3 * 48 * 192).fill(0.5), [1, 3, 48, 192]);
    await session.run({ [session.inputNames[0]!]: input });
    await session.release();
    const profiledDoc = profiled.finish(0);
    const plainDoc = plain.finish(0);
    const named = (spans: readonly SpanRecord[], prefix: string): SpanRecord[] => spans.filter((span) => span.name.startsWith(prefix));
    const [create] = named(plainDoc.spans, 'InferenceSession.create');
    const [run] = named(plainDoc.spans, 'InferenceSession.run');
    assert.ok(create !== undefined && run !== undefined, `plain traced the session: ${plainDoc.spans.map((span) => span.name).join(', ')}`);
    assert.equal(create.attributes.model, 'ch_ppocr_mobile_v2.0_cls_infer.onnx');
    assert.equal(create.attributes.profiling, undefined, 'the other preset turned profiling on');
    assert.equal(run.metrics?.kernels, undefined);
    assert.equal(plainDoc.spans.filter((span) => span.target === 'onnxruntime-node#profiler').length, 0);
    assert.equal(
      profiledDoc.spans.filter((span) => span.target === 'onnxruntime-node#profiler').length,
      0,
      'kernels of a session the profiled preset never traced',
    );
  });

  it("each preset resolves model stages with its own model rules, not the last started preset's (real onnxruntime)", async () => {
    const mine = new OnnxLatency({ quiet: true, models: [{ match: '*cls_infer.onnx', stage: 'postprocess' }] });
    const other = new OnnxLatency({ quiet: true, models: [{ match: '*cls_infer.onnx', stage: 'load' }] });
    const file = path.basename(model);
    assert.equal(resolveModelStage(file, mine.instrumenter.hookScope.state(MODEL_RULES)), 'postprocess');
    assert.equal(resolveModelStage(file, other.instrumenter.hookScope.state(MODEL_RULES)), 'load');
    // `mine` patches onnxruntime first (its hooks see the calls); `other` starts last.
    mine.start();
    other.start();
    const ort = loadOrt();
    const session = await ort.InferenceSession.create(model);
    await session.release();
    other.finish(0);
    const doc = mine.finish(0);
    const create = doc.spans.find((span) => span.name.startsWith('InferenceSession.create'));
    assert.equal(create?.attributes.modelStage, 'postprocess', 'the rule of the preset whose hooks traced the call');
  });
});
