/**
 * How much work each experiment of bench:cost does. Full: the real run
 * (~4 minutes on the project's 2-core machine); quick (`--quick`): the same
 * experiments with small N, to check the benchmark itself works.
 */
export interface CostSettings {
  quick: boolean;
  /** Interleaved repeats of each experiment. */
  repeats: {
    startup: number;
    example: number;
    moduleLoad: number;
    model: number;
    modelPaired: number;
    modelAlloc: number;
    onnxTiny: number;
    tiny: number;
    tinyLate: number;
    probes: number;
    ocrLoop: number;
    ocrPaired: number;
  };
  /** Timed calls of InferenceSession.run and of the sharp pipeline, after `modelWarmCalls` untimed ones. */
  modelCalls: number;
  modelWarmCalls: number;
  /** Rows 3 and 4 paired in one process (children/model-paired.mjs): pairs of blocks, and calls per block. */
  pairedBlocks: number;
  pairedCallsPerBlock: number;
  /**
   * Rows 3 and 4 in bytes (children/model-alloc.mjs): chunks of calls measured
   * per library, calls a chunk, and untimed calls before them.
   */
  allocChunks: number;
  allocCallsPerChunk: number;
  allocWarmCalls: number;
  /** Timed calls of InferenceSession.run on the one-node model (children/tiny-onnx-model.mjs). */
  onnxTinyCalls: number;
  /** Timed awaited calls of the tiny async function (plus N/10 warm-up calls). */
  tinyCalls: number;
  /**
   * The tiny loop late in a process (children/long-tiny-loop.mjs): it runs
   * until the process is `tinyLateUntilMs` old, and the figure is its batches
   * that started `tinyLateFromMs` or later (past 2.15 s: see that file).
   */
  tinyLateUntilMs: number;
  tinyLateFromMs: number;
  /** Timed calls of the tiny sync function in the probes experiment. */
  probeCalls: number;
  /** The probes experiment's reference: calls of `probeSpinUs` µs (long enough for readings), paired in one process. */
  probeSpinCalls: number;
  probeSpinUs: number;
  /** OCR reads in the OH-vs-measured experiment. */
  ocrIterations: number;
  /**
   * The OCR loop with each call paired in one process (children/ocr-paired.mjs):
   * reads whose calls are measured, after `ocrPairedWarmIterations` that are not.
   */
  ocrPairedIterations: number;
  ocrPairedWarmIterations: number;
}

export const FULL_SETTINGS: CostSettings = {
  quick: false,
  // The model loop and the OCR loop had 4 and 5 rounds: their medians moved by
  // more than the figures (the sharp row 27-39 us, the OCR loop's added time
  // -57 to 112 ms over six runs), so they have twice as many (~100 s more).
  // So has the example since: with 10 rounds, whose figures each span -10% to
  // +25%, row 2's --import median read 2.9% and then 8.0% on Node 24 and 5.5%
  // and then 8.5% on Node 22, on the same call path (about 15 s more).
  repeats: {
    startup: 20,
    example: 20,
    moduleLoad: 10,
    model: 8,
    modelPaired: 6,
    modelAlloc: 3,
    onnxTiny: 6,
    tiny: 10,
    tinyLate: 6,
    probes: 5,
    ocrLoop: 10,
    ocrPaired: 5,
  },
  // 1,500 + 50 = 1,550 calls: the loop issue 9's table was measured on.
  modelCalls: 1500,
  modelWarmCalls: 50,
  // 60 pairs of 10-call blocks: blocks of 30-40 calls drifted apart by ±100 µs
  // per call on this machine; short blocks pair calls made closer in time.
  pairedBlocks: 60,
  pairedCallsPerBlock: 10,
  // Bytes barely move between processes (a few bytes a call): three rounds
  // show that they do not. 600 warm calls: past the clock switch (16th call)
  // and Node 24's optimisation of the wrapper (~500 calls); Node 22 optimises
  // it after ~3,000, so its figure is the wrapper before TurboFan.
  allocChunks: 30,
  allocCallsPerChunk: 40,
  allocWarmCalls: 600,
  onnxTinyCalls: 20_000,
  tinyCalls: 200_000,
  tinyLateUntilMs: 3200,
  tinyLateFromMs: 2400,
  probeCalls: 20_000,
  probeSpinCalls: 2000,
  probeSpinUs: 150,
  ocrIterations: 30,
  ocrPairedIterations: 30,
  ocrPairedWarmIterations: 3,
};

export const QUICK_SETTINGS: CostSettings = {
  quick: true,
  repeats: {
    startup: 3,
    example: 2,
    moduleLoad: 2,
    model: 2,
    modelPaired: 2,
    modelAlloc: 2,
    onnxTiny: 2,
    tiny: 2,
    tinyLate: 2,
    probes: 2,
    ocrLoop: 2,
    ocrPaired: 2,
  },
  modelCalls: 100,
  modelWarmCalls: 10,
  pairedBlocks: 6,
  pairedCallsPerBlock: 5,
  allocChunks: 4,
  allocCallsPerChunk: 10,
  allocWarmCalls: 20,
  onnxTinyCalls: 2000,
  tinyCalls: 20_000,
  // Still past 2.15 s, or the quick run would not try what the figure is about.
  tinyLateUntilMs: 2600,
  tinyLateFromMs: 2300,
  probeCalls: 2000,
  probeSpinCalls: 200,
  probeSpinUs: 150,
  ocrIterations: 3,
  ocrPairedIterations: 2,
  ocrPairedWarmIterations: 1,
};
