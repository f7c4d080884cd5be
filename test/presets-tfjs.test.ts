import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import sharp from 'sharp';
import type { RunDocument } from '../src/core/run-document.js';
import type { SpanRecord } from '../src/core/types.js';
import { aggregateKernelTypes, layoutKernels, nestKernels } from '../src/presets/tfjs/tfjs-kernel-layout.js';
import { assertChildrenWithinParents, readRun, repoRoot, runCli, runNode, spanIndex, tempDir } from './helpers.js';

const faceScript = path.join(repoRoot, 'examples/tfjs/face.mjs');
const classifierScript = path.join(repoRoot, 'examples/tfjs/classifier.cjs');
const samplePhoto = path.join(repoRoot, 'node_modules/@vladmandic/face-api/demo/sample1.jpg');
const KERNEL_TARGET = 'tfjs-core#profile';

/** Every span a tfjs or face-api target produced (not kernels, not the root). */
function tracedSpans(doc: RunDocument): SpanRecord[] {
  return doc.spans.filter((span) => span.parentId !== null && span.target !== KERNEL_TARGET);
}

/** Children of the root, as `name [stage]`, counted. */
function topLevelCounts(doc: RunDocument): Record<string, number> {
  const { root, children } = spanIndex(doc);
  const counts: Record<string, number> = {};
  for (const child of children(root)) {
    const key = `${child.name} [${child.stage ?? '-'}]`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

describe('TfjsLatency kernel layout (pure)', () => {
  it('nests inner kernels under the op that ran them and keeps every child inside its parent', () => {
    // tfjs records in completion order: inner kernels (depth 1) before their op (depth 0).
    const kernels = [
      { name: 'Reshape', kernelTimeMs: 0.5, depth: 0 },
      { name: '_FusedMatMul', kernelTimeMs: 3, depth: 1 },
      { name: 'Reshape', kernelTimeMs: 1, depth: 1 },
      { name: 'fusedMatMul__op', kernelTimeMs: 5, depth: 0 },
      { name: 'Softmax', kernelTimeMs: Number.NaN, depth: 0 },
    ];
    const roots = nestKernels(kernels);
    assert.deepEqual(
      roots.map((node) => node.name),
      ['Reshape', 'fusedMatMul__op', 'Softmax'],
    );
    assert.deepEqual(
      roots[1]!.children.map((node) => node.name),
      ['_FusedMatMul', 'Reshape'],
    );

    // Fits: laid out back to back from the parent's start, unscaled.
    const roomy = layoutKernels(1_000, 1_000 + 10e6, roots);
    assert.equal(roomy.scale, 1);
    assert.equal(roomy.totalKernelNs, 5.5e6);
    assert.deepEqual(
      roomy.slots.map((slot) => [slot.node.name, slot.startNs, slot.endNs]),
      [
        ['Reshape', 1_000, 501_000],
        ['fusedMatMul__op', 501_000, 5_501_000],
        ['_FusedMatMul', 501_000, 3_501_000],
        ['Reshape', 3_501_000, 4_501_000],
        ['Softmax', 5_501_000, 5_501_000],
      ],
    );

    // Does not fit (a parent of 2 ms): scaled down, never past the parent's end.
    const tight = layoutKernels(0, 2e6, roots);
    assert.ok(tight.scale < 1);
    for (const slot of tight.slots) {
      assert.ok(slot.startNs >= 0 && slot.endNs <= 2e6 && slot.endNs >= slot.startNs, `${slot.node.name} inside the parent`);
      if (slot.parent !== null) {
        const parentSlot = tight.slots.find((other) => other.node === slot.parent)!;
        assert.ok(slot.startNs >= parentSlot.startNs && slot.endNs <= parentSlot.endNs, `${slot.node.name} inside ${slot.parent.name}`);
      }
    }

    // Per-type aggregate uses self time: the op is not counted twice with its kernels.
    const shares = aggregateKernelTypes(roots);
    assert.deepEqual(
      shares.map((share) => [share.name, share.count, Math.round(share.share * 100)]),
      [
        ['_FusedMatMul', 1, 55],
        ['Reshape', 2, 27],
        ['fusedMatMul__op', 1, 18],
        ['Softmax', 1, 0],
      ],
    );
  });
});

describe('TfjsLatency', () => {
  let photo = '';
  before(async () => {
    // face-api's own demo photo, scaled to 640 px wide to keep the test fast.
    photo = path.join(tempDir('stagescope-tfjs-'), 'sample1-640.jpg');
    await sharp(samplePhoto).resize({ width: 640 }).jpeg({ quality: 90 }).toFile(photo);
  });

  it('traces the unmodified face-api pipeline (wasm) as detection → landmarks → recognition → age/gender → expressions, output unchanged', async () => {
    const dir = tempDir();
    const [plain, cli, kernels] = await Promise.all([
      runNode([faceScript, photo]),
      runCli(['run', '--preset', 'tfjs', '--quiet', '--json', path.join(dir, 'face.json'), '--', faceScript, photo]),
      runNode(['--import', 'stagescope/register/tfjs', faceScript, photo], {
        env: { STAGESCOPE_TFJS_KERNELS: '1', STAGESCOPE_QUIET: '1', STAGESCOPE_JSON: path.join(dir, 'face-kernels.json') },
      }),
    ]);
    for (const result of [plain, cli, kernels]) assert.equal(result.code, 0, result.stderr);
    assert.equal(cli.stdout, plain.stdout, 'same detections, scores, ages, descriptors as the uninstrumented run');
    assert.equal(kernels.stdout, plain.stdout, 'kernel profiling does not change the results either');
    const faces = Number(/(\d+) face\(s\)/.exec(plain.stdout)?.[1]);
    assert.ok(faces >= 1, `the demo photo has faces: ${plain.stdout}`);

    const doc = readRun(path.join(dir, 'face.json'));
    assert.equal(doc.preset, 'tfjs');
    assertChildrenWithinParents(doc);
    assert.deepEqual(topLevelCounts(doc), {
      'tf.setBackend [load]': 1,
      'tf.ready [load]': 1,
      'loadFromDisk tiny_face_detector_model [load]': 1,
      'loadFromDisk face_landmark_68_model [load]': 1,
      'loadFromDisk face_recognition_model [load]': 1,
      'loadFromDisk age_gender_model [load]': 1,
      'loadFromDisk face_expression_model [load]': 1,
      'tf.tensor3d [preprocess]': 1,
      'tinyFaceDetector.locateFaces [detection]': 1,
      'faceLandmark68Net.detectLandmarks [detection]': faces,
      'faceRecognitionNet.computeFaceDescriptor [recognition]': faces,
      'ageGenderNet.predictAgeAndGender [classification]': faces,
      'faceExpressionNet.predictExpressions [classification]': faces,
    });

    // Each stage holds its network pass (same stage) and the readbacks of its outputs.
    const { root, children, named } = spanIndex(doc);
    const stages = children(root).filter((span) => span.stage === 'detection' || span.stage === 'recognition' || span.stage === 'classification');
    assert.equal(stages.length, 1 + 4 * faces);
    for (const stage of stages) {
      const inner = children(stage);
      const net = stage.name.split('.')[0]!;
      const forward = inner.filter((span) => span.name === `${net}.forwardInput`);
      assert.equal(forward.length, 1, `${stage.name} runs its network once`);
      assert.equal(forward[0]!.stage, stage.stage);
      assert.ok(
        inner.some((span) => /^Tensor\.(data|dataSync|array|arraySync)$/.test(span.name)),
        `${stage.name} reads its outputs back`,
      );
    }
    const [detector] = named('tinyFaceDetector.locateFaces');
    assert.equal(detector!.attributes.results, faces);
    assert.equal(named('tinyFaceDetector.forwardInput')[0]!.attributes.model, 'tiny_face_detector_model');

    // The backend is recorded on every traced span; readbacks say they only copy on wasm.
    for (const span of tracedSpans(doc)) assert.equal(span.attributes.backend, 'wasm', `${span.name} has backend=wasm`);
    const readbacks = named(/^Tensor\./);
    assert.ok(readbacks.length >= 5 * faces);
    for (const span of readbacks) assert.match(String(span.attributes.readback), /eager backend/);
    assert.equal(named('tf.tensor3d')[0]!.attributes.tensor, 'int32[427x640x3]');

    // Kernel drill-down: children of each network pass, inside it, never a nested profile.
    const kdoc = readRun(path.join(dir, 'face-kernels.json'));
    assertChildrenWithinParents(kdoc, 0);
    const k = spanIndex(kdoc);
    const forwards = k.named(/\.forwardInput$/);
    assert.equal(forwards.length, 1 + 4 * faces);
    for (const forward of forwards) {
      const kernelsOf = k.children(forward).filter((span) => span.target === KERNEL_TARGET);
      assert.ok(kernelsOf.length > 10, `${forward.name} has kernel children`);
      assert.equal(Number(forward.attributes.kernelCount) >= kernelsOf.length, true);
      assert.match(String(forward.attributes.kernelTypes), /Conv2D \d+% \(\d+×\)/);
      assert.match(String(forward.attributes.kernelTiming), /laid out back to back/);
      const sumNs = kernelsOf.reduce((sum, span) => sum + span.durationNs, 0);
      assert.ok(sumNs <= forward.durationNs, `${forward.name}: kernels ${sumNs} ns ≤ call ${forward.durationNs} ns`);
      for (const kernel of kernelsOf) assert.equal(typeof kernel.attributes.kernelTimeMs, 'number');
    }
    assert.equal(
      kdoc.spans.some((span) => String(span.attributes.kernels ?? '').startsWith('skipped')),
      false,
      'no profile was nested',
    );
    // Kernel spans only under network passes (the model calls), never under stages themselves.
    for (const span of kdoc.spans.filter((s) => s.target === KERNEL_TARGET)) {
      let parent = k.byId.get(span.parentId!)!;
      while (parent.target === KERNEL_TARGET) parent = k.byId.get(parent.parentId!)!;
      assert.match(parent.name, /\.forwardInput$/);
    }
  });

  it('traces LayersModel and GraphModel calls with kernels through the class API, results unchanged', async () => {
    // The in-process driver waits for the event loop to drain, which node:test
    // cannot host: the one-line driver runs in a child process, as a user's would.
    const dir = tempDir();
    const json = path.join(dir, 'classifier.json');
    const [plain, driven] = await Promise.all([
      runNode([classifierScript]),
      runNode([
        '--input-type=module',
        '-e',
        [
          `import { TfjsLatency } from ${JSON.stringify(path.join(repoRoot, 'build/src/index.js'))};`,
          `await new TfjsLatency({ kernels: true, quiet: true, json: ${JSON.stringify(json)} }).run(${JSON.stringify(classifierScript)});`,
        ].join('\n'),
      ]),
    ]);
    assert.equal(plain.code, 0, plain.stderr);
    assert.equal(driven.code, 0, driven.stderr);
    assert.equal(driven.stdout, plain.stdout, 'same classes and scores as the uninstrumented run');
    assert.doesNotMatch(driven.stderr, /run \(/, 'quiet: no tree printed');
    const doc = readRun(json);
    assert.equal(doc.preset, 'tfjs');
    assertChildrenWithinParents(doc, 0);
    const { root, children, named } = spanIndex(doc);
    assert.deepEqual(
      children(root).map((span) => `${span.name} [${span.stage ?? '-'}]`),
      [
        'tf.setBackend [load]',
        'tf.ready [load]',
        'Sequential.predict digit_classifier [classification]',
        'Tensor.array [-]',
        'loadGraphModel [load]',
        'GraphModel.predict [-]',
        'Tensor.arraySync [-]',
        'GraphModel.executeAsync [-]',
        'Tensor.dataSync [-]',
        'Tensor.dataSync [-]',
      ],
    );
    // One span per user call: GraphModel.predict's inner execute and Sequential's inner
    // LayersModel.predict are not separate spans; array() is one span, not array + data.
    assert.equal(named(/^GraphModel\.execute$|^LayersModel\.predict/).length, 0);
    assert.equal(named('Tensor.data').length, 0);
    for (const span of tracedSpans(doc).filter((s) => s.name !== 'tf.setBackend')) assert.equal(span.attributes.backend, 'cpu', span.name);
    const [sequential] = named(/^Sequential\.predict/);
    assert.equal(sequential!.attributes.inputs, 'float32[2x16]');
    assert.equal(sequential!.attributes.outputs, 'float32[2x10]');
    const [graphPredict] = named('GraphModel.predict');
    assert.deepEqual(
      children(graphPredict!).map((span) => span.name),
      ['BatchMatMul', 'Add', 'Softmax'],
    );
    const [executeAsync] = named('GraphModel.executeAsync');
    assert.match(String(executeAsync!.attributes.kernelWindow), /async call/);
    // The layers model's fused matmul op holds its kernel as a child.
    const ops = children(sequential!).filter((span) => span.name === 'fusedMatMul__op');
    assert.equal(ops.length, 2);
    for (const op of ops) assert.ok(children(op).some((span) => span.name === '_FusedMatMul'));
    assert.match(String(sequential!.attributes.kernelTypes), /_FusedMatMul \d+%/);
  });

  it("never nests tfjs profiles: a call inside the script's own tf.profile is left unprofiled and says so", async () => {
    const dir = tempDir();
    const script = path.join(dir, 'user-profile.cjs');
    writeFileSync(
      script,
      [
        `const tf = require(${JSON.stringify(path.join(repoRoot, 'node_modules/@tensorflow/tfjs'))});`,
        `(async () => {`,
        `  await tf.setBackend('cpu');`,
        `  const model = tf.sequential({ name: 'probe' });`,
        `  model.add(tf.layers.dense({ inputShape: [4], units: 2, kernelInitializer: 'ones' }));`,
        `  const x = tf.ones([1, 4]);`,
        `  const info = await tf.profile(() => model.predict(x));`,
        `  console.log('user profile', info.kernels.map((k) => k.name).join(','), typeof info.kernels[0].kernelTimeMs);`,
        `  console.log('after', model.predict(x).dataSync().join(','));`,
        `})();`,
      ].join('\n'),
    );
    const [plain, traced] = await Promise.all([
      runNode([script]),
      runNode(['--import', 'stagescope/register/tfjs', script], {
        env: { STAGESCOPE_TFJS_KERNELS: '1', STAGESCOPE_QUIET: '1', STAGESCOPE_JSON: path.join(dir, 'run.json') },
      }),
    ]);
    assert.equal(plain.code, 0, plain.stderr);
    assert.equal(traced.code, 0, traced.stderr);
    assert.equal(traced.stdout, plain.stdout, "the script's own profile sees the same kernels");
    const doc = readRun(path.join(dir, 'run.json'));
    const { named, children } = spanIndex(doc);
    const predicts = named(/^Sequential\.predict probe/).sort((a, b) => a.startNs - b.startNs);
    assert.equal(predicts.length, 2);
    assert.match(String(predicts[0]!.attributes.kernels), /^skipped: a tf\.profile was already running/);
    assert.equal(children(predicts[0]!).length, 0);
    assert.ok(children(predicts[1]!).length > 0, 'the next call, outside the user profile, is profiled');
    assert.ok(doc.diagnostics.some((d) => d.code === 'SS_TFJS_PROFILE_ACTIVE'));
  });
});
