// A parent that hands work to node child processes: one forked (IPC result)
// and one spawned (`node child.mjs`, result on its stdout).
//
//   node examples/fork/parent.mjs
//   stagescope run --preset onnx -- examples/fork/parent.mjs   (the children's runs under "process …")
import { fork, spawn } from 'node:child_process';

const childPath = new URL('./child.mjs', import.meta.url).pathname;

const forked = await new Promise((resolve, reject) => {
  const child = fork(childPath, ['upright']);
  child.once('message', resolve);
  child.once('error', reject);
});
console.log(`forked child: ${forked.which}, label ${forked.label}`);

const spawned = await new Promise((resolve, reject) => {
  const child = spawn(process.execPath, [childPath, 'rotated'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (chunk) => (out += chunk));
  child.once('error', reject);
  child.once('close', (code) => resolve({ code, out: out.trim() }));
});
console.log(`spawned child (exit ${spawned.code}): ${spawned.out}`);
