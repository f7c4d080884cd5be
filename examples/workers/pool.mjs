// The usual worker-pool pattern: N worker_threads each hold an onnxruntime
// InferenceSession; the main thread prepares the inputs (sharp), hands out
// tasks and collects results. The tasks are a text line, upright and turned
// 180°, in turn: the classifier tells which is which.
//
//   node examples/workers/pool.mjs [tasks] [workers]
//   stagescope run --preset onnx -- examples/workers/pool.mjs   (each worker's runs under "worker …")
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import sharp from 'sharp';
import { lineInput } from './line-input.mjs';

const tasks = Number(process.argv[2] ?? 6);
const size = Number(process.argv[3] ?? 2);

function startWorker() {
  const worker = new Worker(new URL('./classify-worker.mjs', import.meta.url));
  return new Promise((resolve, reject) => {
    worker.once('error', reject);
    worker.once('message', () => resolve(worker)); // { ready: true }
  });
}

function runTask(worker, task) {
  return new Promise((resolve) => {
    const onMessage = (message) => {
      if (message.id !== task.id) return;
      worker.off('message', onMessage);
      resolve(message);
    };
    worker.on('message', onMessage);
    worker.postMessage(task, [task.input.buffer]);
  });
}

const image = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../test/fixtures/images/hello.png');
const upright = await lineInput(image);
const rotated = await lineInput(await sharp(image).rotate(180).toBuffer());

const workers = await Promise.all(Array.from({ length: size }, startWorker));
const queue = Array.from({ length: tasks }, (_, id) => ({ id, input: (id % 2 === 0 ? upright : rotated).slice() }));
const results = [];
await Promise.all(
  workers.map(async (worker) => {
    for (let task = queue.shift(); task !== undefined; task = queue.shift()) results.push(await runTask(worker, task));
  }),
);
for (const { id, label } of results.sort((a, b) => a.id - b.id)) console.log(`task ${id}: label ${label}`);
await Promise.all(workers.map((worker) => worker.terminate()));
