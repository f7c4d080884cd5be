// Rows 3 and 4 of `npm run bench:cost` in bytes: what a warm call allocates
// on the JS heap, plain, traced, or under the hand-written wrapper (the same
// calls as model-loop.mjs and model-paired.mjs, children/model-inputs.mjs).
//
// Why bytes beside the times: a call's added time differs by µs from one
// process to the next on a shared machine, its bytes by a few. Garbage is
// also a cost the times hold only in part: a hooked model call's extra bytes
// make the young generation fill sooner, and on Node 22 its scavenges cost
// ~1 ns a byte in the model loop (docs/overhead.md, M12).
//
// How: the heap's used bytes (every space) before and after a chunk of calls,
// over chunks in which no collection ran (a scavenge empties the new space, so
// a chunk whose new space shrank is left out); the figure is the median
// chunk's bytes per call. Each library gets `warm` calls first, so the calls
// measured run optimised code with the clock switched (core/clock.ts).
//
//   node model-alloc.mjs chunks=30 calls=40 warm=200
//   node --import stagescope/register/ocr model-alloc.mjs ...
import v8 from 'node:v8';
import { modelCalls } from './model-inputs.mjs';
import { intArg, median, report } from './report.mjs';

const chunks = intArg('chunks', 30);
const callsPerChunk = intArg('calls', 40);
const warm = intArg('warm', 200);

/** Used bytes of the whole heap (V8 reports each space apart). */
function usedBytes() {
  let sum = 0;
  for (const space of v8.getHeapSpaceStatistics()) sum += space.space_used_size;
  return sum;
}

function newSpaceBytes() {
  for (const space of v8.getHeapSpaceStatistics()) if (space.space_name === 'new_space') return space.space_used_size;
  throw new Error('model-alloc.mjs: V8 reports no new_space');
}

async function bytesPerCall(call) {
  for (let i = 0; i < warm; i++) await call();
  const perCall = [];
  for (let chunk = 0; chunk < chunks; chunk++) {
    const youngBefore = newSpaceBytes();
    const before = usedBytes();
    for (let i = 0; i < callsPerChunk; i++) await call();
    const after = usedBytes();
    if (newSpaceBytes() >= youngBefore) perCall.push((after - before) / callsPerChunk);
  }
  if (perCall.length === 0) throw new Error(`model-alloc.mjs: a collection ran in each of the ${chunks} chunks; use fewer calls a chunk`);
  return {
    bytesPerCall: median(perCall),
    minBytesPerCall: Math.min(...perCall),
    maxBytesPerCall: Math.max(...perCall),
    chunks,
    cleanChunks: perCall.length,
    callsPerChunk,
  };
}

const calls = await modelCalls();
report({
  onnx: await bytesPerCall(calls.runCls),
  sharp: await bytesPerCall(calls.resizePng),
  sharpCrops: await bytesPerCall(calls.cropPng),
});
