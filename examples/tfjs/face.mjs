// Face analysis with @vladmandic/face-api on TensorFlow.js's wasm backend, fully
// offline: face detection → 68 landmarks → recognition descriptor → age/gender →
// expressions, on face-api's own demo photos (or the images given as arguments).
// An ordinary script: it knows nothing about stagescope.
//
//   node examples/tfjs/face.mjs [photo.jpg ...]
import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import * as faceapi from '@vladmandic/face-api/dist/face-api.node-wasm.js';
import sharp from 'sharp';

const require = createRequire(import.meta.url);
const faceApiDir = path.dirname(require.resolve('@vladmandic/face-api/package.json'));
const modelDir = path.join(faceApiDir, 'model');
const images = process.argv.slice(2);
if (images.length === 0) images.push(...['sample1.jpg', 'sample2.jpg', 'sample3.jpg'].map((name) => path.join(faceApiDir, 'demo', name)));

// The wasm binaries ship in the package: point tfjs at them, never at a CDN.
setWasmPaths(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm')) + path.sep);
await tf.setBackend('wasm');
await tf.ready();

await faceapi.nets.tinyFaceDetector.loadFromDisk(modelDir);
await faceapi.nets.faceLandmark68Net.loadFromDisk(modelDir);
await faceapi.nets.faceRecognitionNet.loadFromDisk(modelDir);
await faceapi.nets.ageGenderNet.loadFromDisk(modelDir);
await faceapi.nets.faceExpressionNet.loadFromDisk(modelDir);

/** Decode a photo to an int32 [height, width, 3] tensor, the input face-api takes in Node. */
async function readImage(file) {
  const { data, info } = await sharp(file).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return tf.tensor3d(data, [info.height, info.width, 3], 'int32');
}

const options = new faceapi.TinyFaceDetectorOptions({ inputSize: 416, scoreThreshold: 0.5 });
console.log(`backend ${tf.getBackend()}, tfjs ${tf.version_core}, face-api ${faceapi.version}`);
for (const file of images) {
  const image = await readImage(file);
  const faces = await faceapi
    .detectAllFaces(image, options)
    .withFaceLandmarks()
    .withFaceDescriptors()
    .withAgeAndGender()
    .withFaceExpressions();
  tf.dispose(image);
  console.log(`${path.basename(file)} [${image.shape[1]}x${image.shape[0]}]: ${faces.length} face(s)`);
  faces.sort((a, b) => a.detection.box.x - b.detection.box.x);
  for (const face of faces) {
    const { box, score } = face.detection;
    const [expression, probability] = Object.entries(face.expressions).sort((a, b) => b[1] - a[1])[0];
    console.log(
      `  score ${score.toFixed(3)} box ${[box.x, box.y, box.width, box.height].map(Math.round).join(',')}` +
        ` | ${face.gender} ${face.genderProbability.toFixed(2)} age ${face.age.toFixed(1)}` +
        ` | ${expression} ${probability.toFixed(2)}` +
        ` | landmarks ${face.landmarks.positions.length} descriptor[0..2] ${[...face.descriptor.slice(0, 3)].map((v) => v.toFixed(4)).join(' ')}`,
    );
  }
}
