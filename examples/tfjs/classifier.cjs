// Two tiny TensorFlow.js classifiers built in code (no files, no downloads), on
// the pure-JS cpu backend, from a CommonJS script:
//  - a Layers model (tf.sequential, deterministic weights, not trained),
//  - a graph model (a frozen TF graph: MatMul → BiasAdd → Softmax) loaded with
//    loadGraphModel from memory, run with predict and executeAsync.
// An ordinary script: it knows nothing about stagescope.
//
//   node examples/tfjs/classifier.cjs
const tf = require('@tensorflow/tfjs');

/** Weights from a fixed formula, so every run prints the same scores. */
function fixedValues(count, seed) {
  return Float32Array.from({ length: count }, (_, i) => Math.sin(seed * 7.1 + i * 1.3) * 0.5);
}

function buildLayersModel() {
  const model = tf.sequential({ name: 'digit_classifier' });
  model.add(tf.layers.dense({ inputShape: [16], units: 32, activation: 'relu', name: 'hidden' }));
  model.add(tf.layers.dense({ units: 10, activation: 'softmax', name: 'scores' }));
  model.setWeights([
    tf.tensor2d(fixedValues(16 * 32, 1), [16, 32]),
    tf.tensor1d(fixedValues(32, 2)),
    tf.tensor2d(fixedValues(32 * 10, 3), [32, 10]),
    tf.tensor1d(fixedValues(10, 4)),
  ]);
  return model;
}

/** A frozen graph in TF.js's model.json form, held in memory. */
function graphArtifacts() {
  const float = { type: 'DT_FLOAT' };
  const node = (name, op, input, attr) => ({ name, op, input, attr });
  const modelTopology = {
    node: [
      node('image', 'Placeholder', [], { dtype: float, shape: { shape: { dim: [{ size: '-1' }, { size: '16' }] } } }),
      node('weights', 'Const', [], { dtype: float, value: { tensor: { dtype: 'DT_FLOAT', tensorShape: { dim: [{ size: '16' }, { size: '4' }] } } } }),
      node('bias', 'Const', [], { dtype: float, value: { tensor: { dtype: 'DT_FLOAT', tensorShape: { dim: [{ size: '4' }] } } } }),
      node('logits', 'MatMul', ['image', 'weights'], { T: float, transpose_a: { b: false }, transpose_b: { b: false } }),
      node('biased', 'BiasAdd', ['logits', 'bias'], { T: float }),
      node('probabilities', 'Softmax', ['biased'], { T: float }),
    ],
    versions: { producer: 1 },
  };
  const weightSpecs = [
    { name: 'weights', shape: [16, 4], dtype: 'float32' },
    { name: 'bias', shape: [4], dtype: 'float32' },
  ];
  const data = new Float32Array([...fixedValues(64, 5), ...fixedValues(4, 6)]);
  return { modelTopology, weightSpecs, weightData: data.buffer, format: 'graph-model', generatedBy: 'stagescope example' };
}

async function main() {
  await tf.setBackend('cpu');
  await tf.ready();
  const input = tf.tensor2d(fixedValues(2 * 16, 9), [2, 16]);

  const layers = buildLayersModel();
  const layerScores = layers.predict(input);
  const layerRows = await layerScores.array();
  layerRows.forEach((row, i) => console.log(`layers  sample ${i}: class ${row.indexOf(Math.max(...row))} p=${Math.max(...row).toFixed(4)}`));

  const graph = await tf.loadGraphModel(tf.io.fromMemory(graphArtifacts()));
  const graphScores = graph.predict(input);
  const graphRows = graphScores.arraySync();
  graphRows.forEach((row, i) => console.log(`graph   sample ${i}: class ${row.indexOf(Math.max(...row))} p=${Math.max(...row).toFixed(4)}`));
  const asyncScores = await graph.executeAsync(input);
  const expected = graphScores.dataSync();
  console.log(`graph   executeAsync agrees: ${asyncScores.dataSync().every((v, i) => Math.abs(v - expected[i]) < 1e-6)}`);

  tf.dispose([input, layerScores, graphScores, asyncScores]);
  console.log(`backend ${tf.getBackend()}`);
}

main();
