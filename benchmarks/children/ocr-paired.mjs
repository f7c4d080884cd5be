// Row 8 of `npm run bench:cost`: the OCR loop of ocr-loop.mjs (the PaddleOCR
// pipeline of examples/ocr, det → cls → rec on onnxruntime-node + sharp) with
// each of its model and image calls paired in one process, as model-paired.mjs
// pairs rows 3 and 4: every InferenceSession.prototype.run and sharp `_pipeline`
// call the pipeline makes is run twice, through stagescope's wrapper and through
// the function it wraps (which the wrapper keeps as `stagescope.original`),
// each timed until its promise settles, one right after the other.
//
// Why: the whole loop's added time, between two processes, spreads by
// hundreds of ms over a 4 s loop (row 8's "OCR loop" figure reads unresolved
// on the 2-core VM), and whole iterations of one process paired side by side
// still spread from 18 to 72 µs a call over runs: a collection lands in one
// iteration and not the other. Two runs of the same call next to each other
// see the same heap and caches. Every iteration reads the same image, so it
// makes the same calls on the same shapes in the same order (19 for
// receipt.png): call k is paired with itself across iterations. Which of the
// two runs first alternates from call to call; the one that runs second finds
// the caches the first left, so for each call k the median over the pairs run
// wrapped-first and the one over the pairs run unwrapped-first are averaged,
// which cancels that. The figure is the mean over k: what wrapping added to a
// call of the loop.
//
// What it leaves out is what the process pays whichever method runs:
// AsyncLocalStorage on every await (row 6), start-up, the module hooks, and a
// collection made more frequent by a bigger heap (docs/overhead.md). The whole
// loop's figure keeps them.
//
// With `warm-only`, the process makes the warm-up iterations and stops there:
// its run document's OH, taken from the OH of a whole run, leaves what the
// measured iterations' wrapped calls cost (row 8 sets that beside what the
// pairs measured).
//
//   node --import stagescope/register/ocr ocr-paired.mjs iterations=30 warm=3
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { intArg, median, report } from './report.mjs';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const pipelineFile = path.join(repoRoot, 'examples/ocr/lib/paddle-pipeline.cjs');
const iterations = intArg('iterations', 30);
const warm = intArg('warm', 3);
const warmOnly = process.argv.includes('warm-only');
// Each call needs pairs in both orders, and the order flips from one iteration to the next.
if (iterations < 2) throw new Error(`ocr-paired.mjs: iterations must be 2 or more (each call is paired in both orders), got ${iterations}`);
// The libraries as the pipeline loads them (its CommonJS sharp, not the ES module build: another class).
const require = createRequire(pipelineFile);
const { createOcr } = require(pipelineFile);
const ort = require('onnxruntime-node');
const sharp = require('sharp');
const image = path.join(repoRoot, 'test/fixtures/images/receipt.png');
// Single-threaded, as in ocr-loop.mjs and model-loop.mjs.
sharp.concurrency(1);

/** The function a wrapper wraps, from the symbol it keeps it under; undefined for a method nobody wrapped. */
function originalOf(fn) {
  for (const symbol of Object.getOwnPropertySymbols(fn)) {
    if (symbol.description === 'stagescope.original') return fn[symbol];
  }
  return undefined;
}

/** The pairs of the iteration being run, in call order: (wrapped − unwrapped) ns, and which ran first. */
let iterationPairs = [];
/** The iteration being run, from 0; with a call's place in it, it decides which of the two runs goes first. */
let iterationIndex = 0;
/** Calls begun in the iteration being run (the pipeline makes them one after the other). */
let callsBegun = 0;

/** `fn` on `self` with `args`, timed until its promise settles: [ns, its value]. */
async function timedCall(fn, self, args, name) {
  const start = process.hrtime.bigint();
  const result = fn.apply(self, args);
  if (result === null || typeof result !== 'object' || typeof result.then !== 'function') {
    throw new Error(`ocr-paired.mjs: ${name} returned no promise; the pairs time promise calls only`);
  }
  const value = await result;
  return [Number(process.hrtime.bigint() - start), value];
}

/**
 * Puts a pairing method on `owner[name]`: each call runs the wrapper and the
 * original in turn (which first alternates), times both, and returns the
 * value of the second run. Returns a function that puts the wrapper back.
 */
function pairEachCall(owner, name) {
  const wrapped = owner[name];
  const original = originalOf(wrapped);
  if (original === undefined) {
    throw new Error(`ocr-paired.mjs: ${name} is not wrapped; run it under --import stagescope/register/ocr`);
  }
  owner[name] = async function (...args) {
    // Alternates from call to call and, for each call, from iteration to
    // iteration, whatever the number of calls an iteration makes.
    const wrappedFirst = ((iterationIndex + callsBegun++) & 1) === 0;
    const [firstNs] = await timedCall(wrappedFirst ? wrapped : original, this, args, name);
    const [secondNs, value] = await timedCall(wrappedFirst ? original : wrapped, this, args, name);
    iterationPairs.push({ addedNs: wrappedFirst ? firstNs - secondNs : secondNs - firstNs, wrappedFirst });
    return value;
  };
  return () => {
    owner[name] = wrapped;
  };
}

/** One read of the image, every call paired: the pairs, in call order. */
async function iteration(index) {
  iterationPairs = [];
  iterationIndex = index;
  callsBegun = 0;
  const lines = (await ocr.read(image)).length;
  if (lines === 0) throw new Error('ocr-paired.mjs: nothing recognised in receipt.png');
  return iterationPairs;
}

/**
 * The added time of call k: the mean of the median over its wrapped-first
 * pairs and the median over its unwrapped-first ones (the second run of a pair
 * finds the caches the first left). NaN when one order has no pair.
 */
function orderBalancedMedian(pairs) {
  const first = pairs.filter((pair) => pair.wrappedFirst).map((pair) => pair.addedNs);
  const second = pairs.filter((pair) => !pair.wrappedFirst).map((pair) => pair.addedNs);
  return first.length === 0 || second.length === 0 ? Number.NaN : (median(first) + median(second)) / 2;
}

const ocr = await createOcr({ sessionOptions: { intraOpNumThreads: 1, interOpNumThreads: 1 } });
const restore = [pairEachCall(ort.InferenceSession.prototype, 'run'), pairEachCall(sharp.prototype, '_pipeline')];
try {
  for (let i = 0; i < warm; i++) await iteration(i);
  if (warmOnly) {
    report({ warmIterations: warm });
  } else {
    /** Per call position k, its pairs over the iterations. */
    const byCall = [];
    for (let i = 0; i < iterations; i++) {
      const pairs = await iteration(warm + i);
      if (i > 0 && pairs.length !== byCall.length) {
        throw new Error(`ocr-paired.mjs: iteration ${i + 1} made ${pairs.length} calls, the first ${byCall.length}; the pairs need the same calls`);
      }
      pairs.forEach((pair, k) => (byCall[k] ??= []).push(pair));
    }
    const callAddedNs = byCall.map(orderBalancedMedian);
    report({
      iterations,
      warmIterations: warm,
      callsPerIteration: byCall.length,
      addedNs: callAddedNs.reduce((sum, ns) => sum + ns, 0) / callAddedNs.length,
      minCallAddedNs: Math.min(...callAddedNs),
      maxCallAddedNs: Math.max(...callAddedNs),
    });
  }
} finally {
  for (const put of restore) put();
}
