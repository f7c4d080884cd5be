// Rows 3 and 4 of `npm run bench:cost`, paired in one process: the same warm
// calls as model-loop.mjs (InferenceSession.run on the PP-OCR cls model, sharp
// resize().raw().toBuffer() on a 64×64 PNG), in blocks that alternate between
// the wrapped method and the function it wraps, which the wrapper keeps
// (stagescope's `stagescope.original`, hand-wrapper.mjs's `hand-wrapper.original`).
//
// Why: rows 3 and 4 compare two processes, whose per-call times differ by tens
// of µs from scheduling, caches and CPU frequency alone; two blocks of one
// process, next to each other, differ by much less. What this leaves out is
// what the process pays whichever method runs: AsyncLocalStorage on every
// await (row 6's reference row) and the module hooks. What it keeps is all the
// wrapper brings to a call: its own code on cold caches, the library's code
// slowed by the caches the wrapper took, the promise reaction, the garbage.
//
// Blocks go in ABBA order (wrapped first in even blocks, unwrapped first in odd
// ones), so a drift within a pair of blocks cancels. Each call is timed on its
// own; a block's figure is its median call (a collection or a preemption in a
// block moves its mean by hundreds of µs, its median hardly), and the result
// is the median over pairs of blocks of (wrapped − unwrapped).
//
// With `warm-only`, the process makes the warm-up pairs and stops there: its run
// document's OH, taken from the OH of a whole run, leaves what the blocks' calls
// cost (row 8 of bench:cost sets that beside what the blocks measured).
//
//   node --import stagescope/register/ocr model-paired.mjs blocks=12 calls=40
//   node --import ./hand-wrapper.mjs model-paired.mjs ...
import ort from 'onnxruntime-node';
import sharp from 'sharp';
import { modelCalls } from './model-inputs.mjs';
import { intArg, median, report } from './report.mjs';

const blocks = intArg('blocks', 20);
const callsPerBlock = intArg('calls', 30);
const warm = intArg('warm', 30);
const warmOnly = process.argv.includes('warm-only');

/** The function a wrapper wraps, from the symbol it keeps it under; undefined for a method nobody wrapped. */
function originalOf(fn) {
  for (const symbol of Object.getOwnPropertySymbols(fn)) {
    if (symbol.description === 'stagescope.original' || symbol.description === 'hand-wrapper.original') return fn[symbol];
  }
  return undefined;
}

/** Blocks of `call`, with `owner[name]` set to the wrapper and to the original in turn. */
async function paired(owner, name, call) {
  const wrapped = owner[name];
  const original = originalOf(wrapped);
  if (original === undefined) {
    throw new Error(`model-paired.mjs: ${name} is not wrapped; run it under --import stagescope/register/ocr or --import ./hand-wrapper.mjs`);
  }
  const use = (fn) => {
    owner[name] = fn;
  };
  try {
    for (let i = 0; i < warm; i++) {
      use(wrapped);
      await call();
      use(original);
      await call();
    }
    if (warmOnly) return { warmPairs: warm };
    const addedNs = [];
    const callNs = new Float64Array(callsPerBlock);
    for (let block = 0; block < blocks; block++) {
      const perCallNs = new Map();
      for (const fn of block % 2 === 0 ? [wrapped, original] : [original, wrapped]) {
        use(fn);
        for (let i = 0; i < callsPerBlock; i++) {
          const start = process.hrtime.bigint();
          await call();
          callNs[i] = Number(process.hrtime.bigint() - start);
        }
        perCallNs.set(fn, median(callNs));
      }
      addedNs.push(perCallNs.get(wrapped) - perCallNs.get(original));
    }
    return { blocks, callsPerBlock, addedNs: median(addedNs), minAddedNs: Math.min(...addedNs), maxAddedNs: Math.max(...addedNs) };
  } finally {
    use(wrapped);
  }
}

const { runCls, resizePng, cropPng } = await modelCalls();
const onnx = await paired(ort.InferenceSession.prototype, 'run', runCls);
const sharpCalls = await paired(sharp.prototype, '_pipeline', resizePng);
// The OCR shape of sharp work: a crop at a new place each call (the label is reused per shape, its geometry rewritten).
const sharpCrops = await paired(sharp.prototype, '_pipeline', cropPng);

report({ onnx, sharp: sharpCalls, sharpCrops });
