import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { ChildFailed, cleanEnv, resultNumber, runChild, type ChildOutcome } from '../benchmarks/cost/child.js';
import { COST_FORMAT, type CostDocument, type FigureResult } from '../benchmarks/cost/document.js';
import { collectSample, emptySamples, refigure, results } from '../benchmarks/cost/figure-results.js';
import { buildFigures, type RoundLookup } from '../benchmarks/cost/figures.js';
import { formatSummary } from '../benchmarks/cost/format.js';
import { verdict, type Goal } from '../benchmarks/cost/goals.js';
import { defaultResultFile, PRIMARY_NODE_MAJOR } from '../benchmarks/cost/result-file.js';
import { keptSpans, summarizeRunDoc, type RunDocSummary } from '../benchmarks/cost/run-doc-summary.js';
import { runsInRound } from '../benchmarks/cost/schedule.js';
import { QUICK_SETTINGS } from '../benchmarks/cost/settings.js';
import { ratioOfMedians, summarize } from '../benchmarks/cost/stats.js';
import { renderCostTable } from '../benchmarks/cost/table.js';
import { repoRoot, runNode, tempDir } from './helpers.js';

const RENDER = path.join(repoRoot, 'scripts/render-bench-docs.mjs');
const START = '<!-- generated:bench-cost:start -->';
const END = '<!-- generated:bench-cost:end -->';
const START22 = '<!-- generated:bench-cost-node22:start -->';
const END22 = '<!-- generated:bench-cost-node22:end -->';

function figureResult(fields: Partial<FigureResult> & Pick<FigureResult, 'id' | 'row' | 'title'>): FigureResult {
  return {
    unit: '×',
    goal: { kind: 'max', value: 1.3, text: '≤ 1.3×' },
    method: 'test',
    samples: [1.2, 1.1, 1.25],
    median: 1.2,
    min: 1.1,
    max: 1.25,
    verdict: 'ok',
    errors: [],
    context: {},
    display: { figure: '1.20× (1.10–1.25)', goal: '≤ 1.3×' },
    ...fields,
  };
}

function costDocument(fields: Partial<CostDocument> = {}): CostDocument {
  return {
    format: COST_FORMAT,
    complete: true,
    quick: false,
    partial: false,
    startedAt: '2026-11-26T23:30:00.000Z',
    finishedAt: '2026-11-26T23:34:00.000Z',
    wallSeconds: 240,
    environment: { node: 'v20.20.2', platform: 'linux', arch: 'x64', cpus: 2, cpuModel: 'Test CPU', stagescopeCommit: 'abc1234' },
    loadAverage: { start: [1.5, 1, 1], end: [2, 1, 1], perRound: [1.5, 2.25], min: 1.5, max: 2.25 },
    rounds: 2,
    settings: {},
    figures: [
      figureResult({ id: 'startup-import-ratio', row: 1, title: 'startup --import ocr / bare node' }),
      figureResult({ id: 'tiny-otel-ratio', row: 6, title: 'OTel | stagescope', verdict: 'miss', display: { figure: '3.10× (2.90–3.40)', goal: '≥ 5×' } }),
      figureResult({
        id: 'tiny-als-added',
        row: 6,
        title: 'AsyncLocalStorage alone, added/call',
        unit: 'ns',
        goal: { kind: 'none', text: '(reference)' },
        verdict: 'info',
        display: { figure: '120 ns (90–150)', goal: '(reference)' },
      }),
      figureResult({
        id: 'startup-reported',
        row: 8,
        title: 'start-up reported',
        verdict: 'error',
        samples: [],
        median: null,
        min: null,
        max: null,
        errors: ['the run document reports no start-up figure'],
        display: { figure: '—', goal: 'shown' },
      }),
      figureResult({
        id: 'oh-ocr-loop',
        row: 8,
        title: 'reported OH / measured, OCR loop',
        verdict: 'unresolved',
        max: null,
        display: { figure: '4.08× (0.11–∞)', goal: '0.75–1.25×' },
      }),
    ],
    experiments: {},
    ...fields,
  };
}

/**
 * A saved result with the whole OCR loop's runs only, one round per entry of
 * `tracedMs` (the traced script's time; plain takes 7,000 ms, and every traced
 * run reports 60 ms of OH).
 */
function ocrLoopDoc(tracedMs: readonly number[]): CostDocument {
  const runs = (variant: 'plain' | 'traced') =>
    tracedMs.map((ms, i) => ({
      round: i + 1,
      wallMs: 1,
      result: variant === 'plain' ? { scriptNs: 7000e6, scriptCpuNs: 7000e6 } : { scriptNs: ms * 1e6, scriptCpuNs: ms * 1e6 },
      doc: variant === 'plain' ? null : docSummary({ overheadNs: 60e6 }),
    }));
  return costDocument({
    rounds: tracedMs.length,
    experiments: {
      'ocr-loop': {
        title: 'OCR loop',
        repeats: tracedMs.length,
        variants: { plain: { command: [], env: {}, runs: runs('plain') }, traced: { command: [], env: {}, runs: runs('traced') } },
      },
    },
  });
}

/** A doc summary as runChild would return it, from a hand-made run document. */
function docSummary(extra: Record<string, unknown> = {}, spans: unknown[] = []): RunDocSummary {
  return summarizeRunDoc(
    {
      format: 'stagescope.run/1',
      overheadNs: 2_000_000,
      wrappedCalls: 3,
      durationNs: 9e6,
      droppedSpans: 0,
      spans: [{ id: '1', parentId: null, target: null, attributes: {}, metrics: {} }, ...spans],
      ...extra,
    },
    'run.json',
  );
}

function outcome(result: Record<string, unknown> | null, doc: RunDocSummary | null = null, wallNs = 1e8): ChildOutcome {
  return { wallNs, result, doc };
}

function lookupFrom(outcomes: Record<string, ChildOutcome>): RoundLookup {
  return (experiment, variant) => outcomes[`${experiment}/${variant}`];
}

function figure(id: string) {
  const found = buildFigures(QUICK_SETTINGS).find((candidate) => candidate.id === id);
  assert.ok(found, `figure ${id} exists`);
  return found;
}

describe('bench:cost: goals, schedule, figures', () => {
  test('verdict: ok needs median and whole range; borderline when only the median meets; miss; info; error', () => {
    const max: Goal = { kind: 'max', value: 5, text: '≤ 5 µs' };
    assert.equal(verdict(max, summarize([3, 4, 4.5])), 'ok');
    assert.equal(verdict(max, summarize([3, 4, 9])), 'borderline');
    assert.equal(verdict(max, summarize([6, 7, 3])), 'miss');
    const range: Goal = { kind: 'range', min: 0.75, max: 1.25, text: '0.75–1.25×' };
    assert.equal(verdict(range, summarize([0.8, 1.0, 1.2])), 'ok');
    assert.equal(verdict(range, summarize([0.2, 0.3, 1.0])), 'miss');
    assert.equal(verdict({ kind: 'min', value: 5, text: '≥ 5×' }, summarize([5, 6, 4])), 'borderline');
    assert.equal(verdict({ kind: 'none', text: '' }, summarize([1])), 'info');
    assert.equal(verdict(max, summarize([])), 'error');
    // An unbounded range: neither ok nor miss, even where the median misses.
    assert.equal(verdict(range, { median: 4, min: 0.1, max: Number.POSITIVE_INFINITY, n: 5 }), 'unresolved');
    assert.equal(formatSummary({ median: 4.08, min: 0.11, max: Number.POSITIVE_INFINITY, n: 5 }, '×'), '4.08× (0.11–∞)');
  });

  test('formatSummary: median with unit, then min–max; one sample has no range', () => {
    assert.equal(formatSummary(summarize([1.21, 1.15, 1.3]), '×'), '1.21× (1.15–1.30)');
    assert.equal(formatSummary(summarize([412.4]), 'ns'), '412 ns');
    assert.equal(formatSummary(null, 'ms'), '—');
    assert.equal(formatSummary(summarize([-0.3, -8.8, 4]), 'ns'), '0 ns (-9–4)', 'rounds to zero: no sign');
    assert.equal(formatSummary(summarize([-0.04, -0.2, 0.1]), 'µs'), '0.0 µs (-0.2–0.1)');
  });

  test('runsInRound: each experiment runs exactly `repeats` rounds, spread out; the busiest runs every round', () => {
    const rounds = 10;
    for (const repeats of [1, 3, 4, 5, 10]) {
      const ran = Array.from({ length: rounds }, (_, round) => runsInRound(repeats, round, rounds));
      assert.equal(ran.filter(Boolean).length, repeats, `repeats ${repeats}`);
      if (repeats > 1) assert.ok(ran.slice(0, rounds / 2).some(Boolean) && ran.slice(rounds / 2).some(Boolean), `repeats ${repeats}: in both halves`);
    }
  });

  test('figures: paired per round from that round’s children; undefined when an experiment did not run', () => {
    const get = lookupFrom({
      'tiny/plain': outcome({ perCallNs: 100, scriptNs: 10e6 }),
      'tiny/stagescope': outcome({ perCallNs: 600, scriptNs: 60e6 }, docSummary({ overheadNs: 40e6 })),
      'tiny/otel': outcome({ perCallNs: 3600, scriptNs: 300e6 }),
    });
    assert.equal(figure('tiny-stagescope-added').sample(get), 500);
    assert.equal(figure('tiny-otel-added').sample(get), 3500);
    assert.equal(figure('tiny-otel-ratio').sample(get), 7);
    assert.equal(figure('oh-tiny-off').sample(get), 0.8); // 40 ms reported / (60 − 10) ms measured
    // Node < 24: the run document's estimate of the async context's cost (not in OH) counts as reported.
    const withAsyncContext = lookupFrom({
      'tiny/plain': outcome({ perCallNs: 100, scriptNs: 10e6 }),
      'tiny/stagescope': outcome(
        { perCallNs: 600, scriptNs: 60e6 },
        docSummary({
          overheadNs: 30e6,
          overhead: { asyncContext: { mechanism: 'async-hooks', asyncResources: 100_000, perResourceNs: 100, estimatedNs: 10e6 } },
        }),
      ),
    });
    assert.equal(figure('oh-tiny-off').sample(withAsyncContext), 0.8); // (30 + 10) ms reported / (60 − 10) ms measured
    assert.equal(figure('probes-per-span').sample(get), undefined, 'the probes experiment did not run this round');
    assert.equal(figure('startup-import-ratio').sample(get), undefined);
  });

  test('the AsyncLocalStorage row: (als − plain) ns per awaited call, same round, only when plain had none and als had a store entered', () => {
    const get = lookupFrom({
      'tiny/plain': outcome({ perCallNs: 100, asyncContext: 'none' }),
      'tiny/als': outcome({ perCallNs: 340, asyncContext: 'entered' }),
    });
    const row = figure('tiny-als-added');
    assert.equal(row.sample(get), 240);
    assert.deepEqual(row.context?.(get), { plainCallNs: 100 });
    assert.equal(row.unit, 'ns');
    assert.equal(row.goal.kind, 'none');
    assert.match(row.method, /AsyncLocalStorage exists and a store was entered \(enterWith\) before the loop, no stagescope/);
    assert.equal(row.sample(lookupFrom({ 'tiny/als': outcome({ perCallNs: 340, asyncContext: 'entered' }) })), undefined, 'no plain child this round');
    const plainWithStorage = lookupFrom({
      'tiny/plain': outcome({ perCallNs: 100, asyncContext: 'stagescope' }),
      'tiny/als': outcome({ perCallNs: 340, asyncContext: 'entered' }),
    });
    assert.throws(() => row.sample(plainWithStorage), /tiny\/plain: the child reports AsyncLocalStorage "stagescope", the row needs "none"/);
    const alsWithout = lookupFrom({ 'tiny/plain': outcome({ perCallNs: 100, asyncContext: 'none' }), 'tiny/als': outcome({ perCallNs: 340 }) });
    assert.throws(() => row.sample(alsWithout), /tiny\/als: the child reports AsyncLocalStorage null, the row needs "entered"/);
  });

  test('the hand-written tiny wrapper row: (hand − plain) ns per awaited call, same round, only when plain had no AsyncLocalStorage', () => {
    const get = lookupFrom({
      'tiny/plain': outcome({ perCallNs: 100, asyncContext: 'none' }),
      'tiny/hand': outcome({ perCallNs: 480, asyncContext: 'entered' }),
    });
    const row = figure('tiny-hand-added');
    assert.equal(row.sample(get), 380);
    assert.equal(row.goal.kind, 'none');
    assert.equal(row.sample(lookupFrom({ 'tiny/hand': outcome({ perCallNs: 480, asyncContext: 'entered' }) })), undefined, 'no plain child this round');
    const plainWithStorage = lookupFrom({
      'tiny/plain': outcome({ perCallNs: 100, asyncContext: 'stagescope' }),
      'tiny/hand': outcome({ perCallNs: 480, asyncContext: 'entered' }),
    });
    assert.throws(() => row.sample(plainWithStorage), /tiny\/plain: the child reports AsyncLocalStorage "stagescope", the row needs "none"/);
  });

  test('the late tiny row: stagescope minus plain of the median late batch, same round; the early batches are context', () => {
    const get = lookupFrom({
      'tiny-late/plain': outcome({ latePerCallNs: 50, earlyPerCallNs: 52 }),
      'tiny-late/stagescope': outcome({ latePerCallNs: 480, earlyPerCallNs: 460 }),
    });
    const row = figure('tiny-late-stagescope-added');
    assert.equal(row.row, 6);
    assert.equal(row.sample(get), 430);
    assert.deepEqual(row.context?.(get), { plainCallNs: 50, earlyAddedNs: 408 });
    assert.deepEqual(row.goal, { kind: 'max', value: 500, text: '≤ 500 ns' });
    assert.match(row.title, /\d\.\d s after start-up: stagescope added\/call/);
    assert.equal(
      row.sample(lookupFrom({ 'tiny-late/stagescope': outcome({ latePerCallNs: 480, earlyPerCallNs: 460 }) })),
      undefined,
      'no plain child this round',
    );
    assert.throws(
      () => row.sample(lookupFrom({ 'tiny-late/plain': outcome({ latePerCallNs: 50 }), 'tiny-late/stagescope': outcome({}) })),
      /no number at "latePerCallNs"/,
    );
  });

  test('rows 3 and 4: CPU time per call, traced minus plain; the wall-time difference is context', () => {
    const loop = (cpuPerCallNs: number, medianNs: number) => ({ calls: 10, cpuPerCallNs, medianNs, under100usCalls: 0 });
    const get = lookupFrom({
      'model/plain': outcome({ onnx: loop(1_000_000, 1_200_000), sharp: loop(900_000, 1_400_000) }),
      'model/traced': outcome({ onnx: loop(1_004_000, 1_250_000), sharp: loop(930_000, 1_380_000) }, docSummary()),
    });
    assert.equal(figure('onnx-run-added').sample(get), 4);
    assert.equal(figure('sharp-added').sample(get), 30);
    assert.deepEqual(figure('onnx-run-added').context?.(get), { plainCallUs: 1200, plainCpuPerCallUs: 1000, wallAddedUs: 50, mainThreadCpu: 0 });
  });

  test("row 8's model loop: the document's per-call overhead, without loading the libraries, over the mean of rows 3 and 4", () => {
    const loop = (cpuPerCallNs: number) => ({ calls: 1000, cpuPerCallNs, medianNs: 1e6, under100usCalls: 0 });
    // 2,000 recorded calls: 30 ms of wrappers, hooks and pass-throughs, and 50 ms of loading the libraries.
    const overhead = { wrapperNs: 10e6, wrapperMeasuredNs: 8e6, warmUpNs: 1e6, hooksNs: 18e6, probesNs: 0, passThroughNs: 1e6, modulesNs: 50e6 };
    const doc = docSummary({ wrappedCalls: 2000, overheadNs: 80e6, overhead });
    const get = lookupFrom({
      'model/plain': outcome({ onnx: loop(1_000_000), sharp: loop(900_000) }),
      'model/traced': outcome({ onnx: loop(1_010_000), sharp: loop(930_000) }, doc),
    });
    const row = figure('oh-model-loop');
    // (10 + 1 + 18 + 0 + 1) ms / 2000 calls = 15 µs per call, against (10 + 30) / 2 = 20 µs measured.
    assert.equal(row.sample(get), 0.75);
    assert.deepEqual(row.context?.(get), { reportedPerCallUs: 15, measuredPerCallUs: 20, wrapperMeasuredPerCallUs: 4, hooksPerCallUs: 9 });
    const noise = lookupFrom({
      'model/plain': outcome({ onnx: loop(1_000_000), sharp: loop(900_000) }),
      'model/traced': outcome({ onnx: loop(990_000), sharp: loop(905_000) }, doc),
    });
    assert.throws(() => row.sample(noise), /model loop: measured added time/);
    const noParts = lookupFrom({
      'model/plain': outcome({ onnx: loop(1e6), sharp: loop(9e5) }),
      'model/traced': outcome({ onnx: loop(1.1e6), sharp: loop(1e6) }, docSummary()),
    });
    assert.throws(() => row.sample(noParts), /model\/traced: the run document has no overhead\.wrapperNs/);
    // A reference: its divisor spreads over tens of µs between processes; the paired row carries the goal.
    assert.deepEqual([row.goal.kind, row.goal.text], ['none', '(reference)']);
    assert.match(row.method, /the goal is judged on the same calls paired in one process/);
    assert.equal(figure('oh-model-paired').goal.text, '0.75–1.25×');
  });

  test('row 8, the paired calls: OH per call of the paired blocks (the whole run less its warm-up) against the mean of what the pairs measured', () => {
    const pairs = (addedNs: number) => ({ blocks: 60, callsPerBlock: 10, addedNs, minAddedNs: addedNs - 40_000, maxAddedNs: addedNs + 90_000 });
    // The whole run: 1,891 wrapped calls, 9 + 1 + 18 + 0 + 0.455 ms of wrappers, warm-up, hooks and pass-throughs, and 2 ms of async context.
    const overhead = { wrapperNs: 9e6, wrapperMeasuredNs: 8e6, warmUpNs: 1e6, hooksNs: 18e6, probesNs: 0, passThroughNs: 0.455e6, modulesNs: 50e6 };
    const doc = docSummary({ wrappedCalls: 1891, overheadNs: 80e6, overhead: { ...overhead, asyncContext: { estimatedNs: 2e6 } } });
    // Stopped after the warm-up: 91 wrapped calls (the session's create and 30 pairs of each call) and 5.455 ms of OH, most of it the first calls.
    const warmOverhead = { wrapperNs: 2e6, wrapperMeasuredNs: 2e6, warmUpNs: 1e6, hooksNs: 2.455e6, probesNs: 0, passThroughNs: 0, modulesNs: 50e6 };
    const warmDoc = docSummary({ wrappedCalls: 91, overheadNs: 60e6, overhead: { ...warmOverhead, asyncContext: { estimatedNs: 0.1e6 } } });
    const row = figure('oh-model-paired');
    const paired = outcome({ onnx: pairs(10_000), sharp: pairs(14_000), sharpCrops: pairs(12_000) }, doc);
    const get = lookupFrom({ 'model-paired/traced': paired, 'model-paired/tracedWarm': outcome({}, warmDoc) });
    // Reported: (28.455 − 5.455) ms over the 1,800 calls of the blocks = 12.78 µs; measured: (10 + 14 + 12) / 3 = 12 µs a call.
    const context = row.context!(get)!;
    assert.equal(context.measuredPerCallUs, 12);
    assert.ok(Math.abs(context.reportedPerCallUs! - 23e3 / 1800) < 1e-9, `reported ${context.reportedPerCallUs}`);
    assert.ok(Math.abs(row.sample(get)! - 23e6 / 1800 / 12_000) < 1e-12);
    // The whole run's OH per call, async context included, beside it.
    assert.ok(Math.abs(context.wholeRunPerCallUs! - 30.455e3 / 1891) < 1e-9);
    assert.deepEqual(row.ratioOfMedians, { numerator: 'reportedPerCallUs', denominator: 'measuredPerCallUs' });
    assert.equal(row.goal.text, '0.75–1.25×');
    const noWarm = lookupFrom({ 'model-paired/traced': paired });
    assert.equal(row.sample(noWarm), undefined, 'a round without the warm-up child has no figure');
    const noDoc = lookupFrom({
      'model-paired/traced': outcome({ onnx: pairs(18_000), sharp: pairs(22_000), sharpCrops: pairs(20_000) }),
      'model-paired/tracedWarm': outcome({}, warmDoc),
    });
    assert.throws(() => row.sample(noDoc), /model-paired\/traced: no run document/);
    const noBlocks = lookupFrom({
      'model-paired/traced': outcome({ onnx: pairs(10_000), sharp: pairs(14_000), sharpCrops: pairs(12_000) }, warmDoc),
      'model-paired/tracedWarm': outcome({}, warmDoc),
    });
    assert.throws(() => row.sample(noBlocks), /paired calls: the whole run has 91 wrapped calls, its warm-up 91/);
    const noise = lookupFrom({
      'model-paired/traced': outcome({ onnx: pairs(-8_000), sharp: pairs(2_000), sharpCrops: pairs(3_000) }, doc),
      'model-paired/tracedWarm': outcome({}, warmDoc),
    });
    assert.throws(() => row.sample(noise), /paired calls: measured added time -0\.0 ms is not positive/);
  });

  test("row 8, the OCR loop's calls paired: OH per wrapped call of the measured reads (the whole run less its warm-up) against what the child measured per call; the whole loop's row is a reference", () => {
    // The whole run: 630 wrapped calls (3 creates and 33 reads of 19 calls), 14 + 1 + 12 + 0 + 0 + 0.5 ms of wrappers, warm-up, hooks, probes, pass-throughs and recorder.
    const overhead = {
      wrapperNs: 14e6,
      wrapperMeasuredNs: 13e6,
      warmUpNs: 1e6,
      hooksNs: 12e6,
      probesNs: 0,
      passThroughNs: 0,
      recorderNs: 0.5e6,
      modulesNs: 4e6,
    };
    const doc = docSummary({ wrappedCalls: 630, overheadNs: 32e6, overhead: { ...overhead, asyncContext: { estimatedNs: 3e6 } } });
    // Stopped after the 3 warm-up reads: 60 wrapped calls, 9.5 ms of OH, most of it the first calls.
    const warmOverhead = {
      wrapperNs: 4e6,
      wrapperMeasuredNs: 4e6,
      warmUpNs: 1e6,
      hooksNs: 4.3e6,
      probesNs: 0,
      passThroughNs: 0,
      recorderNs: 0.2e6,
      modulesNs: 4e6,
    };
    const warmDoc = docSummary({ wrappedCalls: 60, overheadNs: 14e6, overhead: { ...warmOverhead, asyncContext: { estimatedNs: 0.3e6 } } });
    const pairs = (addedNs: number) => ({ iterations: 30, warmIterations: 3, callsPerIteration: 19, addedNs, minCallAddedNs: -2_000, maxCallAddedNs: 120_000 });
    const row = figure('oh-ocr-paired');
    const get = lookupFrom({ 'ocr-paired/traced': outcome(pairs(40_000), doc), 'ocr-paired/tracedWarm': outcome({ warmIterations: 3 }, warmDoc) });
    // Reported: (27.5 − 9.5) ms over the 570 calls of the measured reads = 31.58 µs; measured: 40 µs a call.
    const context = row.context!(get)!;
    assert.equal(context.measuredPerCallUs, 40);
    assert.ok(Math.abs(context.reportedPerCallUs! - 18e3 / 570) < 1e-9, `reported ${context.reportedPerCallUs}`);
    assert.ok(Math.abs(row.sample(get)! - 18e6 / 570 / 40_000) < 1e-12);
    assert.deepEqual([context.callsPerIteration, context.minCallAddedUs, context.maxCallAddedUs], [19, -2, 120]);
    assert.deepEqual(row.ratioOfMedians, { numerator: 'reportedPerCallUs', denominator: 'measuredPerCallUs' });
    assert.equal(row.goal.text, '0.75–1.25×');
    assert.equal(row.row, 8);
    assert.match(row.method, /children\/ocr-paired\.mjs/);
    assert.equal(row.sample(lookupFrom({ 'ocr-paired/traced': outcome(pairs(40_000), doc) })), undefined, 'a round without the warm-up child has no figure');
    const noise = lookupFrom({ 'ocr-paired/traced': outcome(pairs(-1_000), doc), 'ocr-paired/tracedWarm': outcome({ warmIterations: 3 }, warmDoc) });
    assert.throws(() => row.sample(noise), /OCR loop, paired calls: measured added time -0\.0 ms is not positive/);
    const noReads = lookupFrom({ 'ocr-paired/traced': outcome(pairs(40_000), warmDoc), 'ocr-paired/tracedWarm': outcome({ warmIterations: 3 }, warmDoc) });
    assert.throws(() => row.sample(noReads), /paired calls: the whole run has 60 wrapped calls, its warm-up 60/);
    const noDoc = lookupFrom({ 'ocr-paired/traced': outcome(pairs(40_000)), 'ocr-paired/tracedWarm': outcome({ warmIterations: 3 }, warmDoc) });
    assert.throws(() => row.sample(noDoc), /ocr-paired\/traced: no run document/);
    // Between two processes the whole loop's added time spreads by hundreds of ms: a reference now.
    const whole = figure('oh-ocr-loop');
    assert.deepEqual([whole.goal.kind, whole.goal.text], ['none', '(reference)']);
    assert.match(whole.method, /the goal is judged on the same loop's calls paired in one process/);
  });

  test('rows 3 and 4 paired in one process: the child’s median (wrapped − unwrapped) per call, µs, stagescope and the hand-written wrapper apart', () => {
    const pairs = (addedNs: number) => ({ blocks: 60, callsPerBlock: 10, addedNs, minAddedNs: addedNs - 40_000, maxAddedNs: addedNs + 90_000 });
    const get = lookupFrom({
      'model-paired/traced': outcome({ onnx: pairs(18_000), sharp: pairs(35_000), sharpCrops: pairs(41_000) }),
      'model-paired/hand': outcome({ onnx: pairs(6_000), sharp: pairs(2_500), sharpCrops: pairs(3_000) }),
      'model-paired/hookless': outcome({ onnx: pairs(12_000), sharp: pairs(14_000), sharpCrops: pairs(15_000) }),
    });
    assert.equal(figure('onnx-run-hookless-paired').sample(get), 12);
    assert.equal(figure('sharp-hookless-paired').sample(get), 14);
    assert.match(figure('sharp-hookless-paired').method, /without their library hooks .*hookless\.targets\.json/);
    assert.equal(figure('onnx-run-paired').sample(get), 18);
    assert.equal(figure('sharp-paired').sample(get), 35);
    assert.equal(figure('onnx-run-hand-paired').sample(get), 6);
    assert.equal(figure('sharp-hand-paired').sample(get), 2.5);
    assert.deepEqual(
      ['sharp-crops-paired', 'sharp-crops-hookless-paired', 'sharp-crops-hand-paired'].map((id) => figure(id).sample(get)),
      [41, 15, 3],
    );
    assert.match(figure('sharp-crops-paired').method, /extract\(a new region each call\)/);
    assert.deepEqual(figure('sharp-paired').context?.(get), { blocks: 60, callsPerBlock: 10, minPairUs: -5, maxPairUs: 125 });
    // Rows 3 and 4 judge their goal on the paired calls, which resolve it; the
    // same calls' CPU time between two processes (tens of µs of spread) and the
    // other paired variants are references.
    assert.deepEqual(
      ['onnx-run-paired', 'sharp-paired', 'onnx-run-added', 'sharp-added', 'onnx-run-hookless-paired', 'sharp-hand-paired', 'sharp-crops-paired'].map(
        (id) => figure(id).goal.text,
      ),
      ['≤ 5 µs', '≤ 5 µs', '(reference)', '(reference)', '(reference)', '(reference)', '(reference)'],
    );
    assert.match(figure('onnx-run-added').method, /the goal is judged on the same calls paired in one process/);
    assert.equal(figure('onnx-tiny-added').goal.text, '≤ 5 µs', 'the one-node model has no paired figure: its goal stays on its own row');
    assert.equal(figure('onnx-run-paired').sample(lookupFrom({})), undefined, 'the experiment did not run this round');
    assert.throws(() => figure('onnx-run-paired').sample(lookupFrom({ 'model-paired/traced': outcome({ sharp: pairs(1) }) })), /no number at "onnx\.addedNs"/);
  });

  test('rows 3 and 4 in bytes: the child’s bytes per call, stagescope and the hand-written wrapper each minus plain, same round', () => {
    const bytes = (bytesPerCall: number) => ({
      bytesPerCall,
      minBytesPerCall: bytesPerCall - 2,
      maxBytesPerCall: bytesPerCall + 3,
      chunks: 30,
      cleanChunks: 27,
      callsPerChunk: 40,
    });
    const get = lookupFrom({
      'model-alloc/plain': outcome({ onnx: bytes(3000), sharp: bytes(17_800), sharpCrops: bytes(17_900) }),
      'model-alloc/traced': outcome({ onnx: bytes(4900), sharp: bytes(20_000), sharpCrops: bytes(20_700) }),
      'model-alloc/hand': outcome({ onnx: bytes(4200), sharp: bytes(18_600), sharpCrops: bytes(18_700) }),
    });
    assert.deepEqual(
      ['onnx-run-alloc', 'onnx-run-hand-alloc', 'sharp-alloc', 'sharp-hand-alloc', 'sharp-crops-alloc'].map((id) => figure(id).sample(get)),
      [1900, 1200, 2200, 800, 2800],
    );
    assert.deepEqual(figure('sharp-alloc').context?.(get), { plainBytesPerCall: 17_800, cleanChunks: 27 });
    assert.equal(figure('onnx-run-alloc').unit, 'B');
    assert.equal(formatSummary(summarize([1929, 1928, 1929]), 'B'), '1929 B (1928–1929)');
    assert.equal(figure('onnx-run-alloc').sample(lookupFrom({})), undefined, 'the experiment did not run this round');
    assert.throws(
      () =>
        figure('onnx-run-alloc').sample(lookupFrom({ 'model-alloc/plain': outcome({ onnx: bytes(1) }), 'model-alloc/traced': outcome({ sharp: bytes(1) }) })),
      /no number at "onnx\.bytesPerCall"/,
    );
  });

  test("rows 3 and 4 on Node ≥ 22: the main thread's CPU time when both variants have it (the libraries work on threads of their own)", () => {
    const loop = (cpuPerCallNs: number, threadCpuPerCallNs: number | undefined, medianNs: number) => ({
      calls: 10,
      cpuPerCallNs,
      medianNs,
      under100usCalls: 0,
      ...(threadCpuPerCallNs === undefined ? {} : { threadCpuPerCallNs }),
    });
    const get = lookupFrom({
      'model/plain': outcome({ onnx: loop(1_000_000, 20_000, 1_200_000), sharp: loop(900_000, 30_000, 1_400_000) }),
      'model/traced': outcome({ onnx: loop(1_040_000, 21_500, 1_250_000), sharp: loop(950_000, undefined, 1_380_000) }, docSummary()),
      'onnx-tiny/plain': outcome({ onnxTiny: loop(9000, 7000, 6500) }),
      'onnx-tiny/traced': outcome({ onnxTiny: loop(10_000, 8000, 7300) }, null),
    });
    assert.equal(figure('onnx-run-added').sample(get), 1.5, "main thread: 21.5 − 20 µs, not the process's 40 µs");
    assert.equal(figure('onnx-run-added').context?.(get)?.mainThreadCpu, 1);
    assert.equal(figure('sharp-added').sample(get), 50, 'one variant without the thread figure: the process CPU of both');
    assert.equal(figure('onnx-tiny-added').sample(get), 1);
    assert.equal(figure('onnx-tiny-added').context?.(get)?.wallAddedUs, 0.8);
  });

  test('figures: a failed child or a missing figure is an error with a message, not a silent gap', () => {
    const failed: RoundLookup = (experiment, variant) => {
      if (variant === 'stagescope') throw new Error(`${experiment}/${variant} failed: exited with code 1`);
      return outcome({ perCallNs: 100, scriptNs: 1e6 });
    };
    assert.throws(() => figure('tiny-stagescope-added').sample(failed), /tiny\/stagescope failed: exited with code 1/);
    const noStartup = lookupFrom({
      'startup/firstImport': outcome({ firstStatementMs: 40 }, docSummary()),
      'startup/firstPlain': outcome({ firstStatementMs: 30 }),
    });
    assert.throws(() => figure('startup-reported').sample(noStartup), /reports no start-up figure/);
    // The start-up a script waited for: when its first statement ran, traced minus plain.
    const shown = lookupFrom({
      'startup/firstCli': outcome({ firstStatementMs: 45 }, docSummary({ startupNs: 12e6 })),
      'startup/firstPlain': outcome({ firstStatementMs: 30 }),
    });
    assert.equal(figure('startup-reported-cli').sample(shown), 12e6 / 15e6);
    const noise = lookupFrom({ 'ocr-loop/plain': outcome({ scriptNs: 7e9 }), 'ocr-loop/traced': outcome({ scriptNs: 6.9e9 }, docSummary()) });
    assert.throws(() => figure('oh-ocr-loop').sample(noise), /measured added time -100\.0 ms is not positive/);
  });

  test("row 8's OH rows: the ratio of the medians over all rounds, so a round that measured no added time still counts", () => {
    // Three rounds of the OCR loop: 60 ms reported each time; the measured added time is noise around its cost.
    const round = (tracedMs: number) =>
      lookupFrom({
        'ocr-loop/plain': outcome({ scriptNs: 7000e6, scriptCpuNs: 7000e6 }),
        'ocr-loop/traced': outcome({ scriptNs: tracedMs * 1e6, scriptCpuNs: tracedMs * 1e6 }, docSummary({ overheadNs: 60e6 })),
      });
    const rounds = [round(6900), round(7050), round(7200)];
    const row = figure('oh-ocr-loop');
    // Per round, the first cannot be a ratio: the median of the others would be (1.2 + 0.3) / 2 = 0.75.
    assert.throws(() => row.sample(rounds[0]!), /not positive/);
    assert.deepEqual(
      rounds.slice(1).map((get) => row.sample(get)),
      [1.2, 0.3],
    );
    // Every round still gives its context numbers, and the figure is median(reported) / median(measured) = 60 / 50.
    const contexts = rounds.map((get) => row.context?.(get));
    assert.deepEqual(
      contexts.map((context) => context?.measuredMs),
      [-100, 50, 200],
    );
    assert.deepEqual(row.ratioOfMedians, { numerator: 'reportedMs', denominator: 'measuredMs' });
    assert.deepEqual(figure('oh-model-loop').ratioOfMedians, { numerator: 'reportedPerCallUs', denominator: 'measuredPerCallUs' });
    // median(reported) / median(measured) = 60 / 50; a round measured -100 ms, so there is no upper bound.
    const column = (key: string): number[] => contexts.map((context) => context![key]!);
    assert.deepEqual(ratioOfMedians(column('reportedMs'), column('measuredMs')), { median: 1.2, min: 0.3, max: Number.POSITIVE_INFINITY, n: 3 });
  });

  test("refigure: a saved document's figures from its runs; what combining the rounds says is about all of them, said once", () => {
    // The whole OCR loop's row, judged against row 8's range as it was before
    // it became a reference (the paired calls carry the goal now): a row whose
    // divisor a round can measure at or below zero.
    const figures = buildFigures(QUICK_SETTINGS)
      .filter((candidate) => candidate.id === 'oh-ocr-loop')
      .map((candidate) => ({ ...candidate, goal: { kind: 'range', min: 0.75, max: 1.25, text: '0.75–1.25×' } as Goal }));
    // Three rounds: 60 ms reported each time, measured added time -100, 50 and 200 ms.
    const tracedMs = [6900, 7050, 7200];
    const doc = ocrLoopDoc(tracedMs);
    const [row] = refigure(doc, figures);
    assert.deepEqual(
      [row!.median, row!.min, row!.max, row!.verdict, row!.display.figure],
      [1.2, 0.3, Number.POSITIVE_INFINITY, 'unresolved', '1.20× (0.30–∞)'],
    );
    assert.deepEqual(row!.errors, [
      'OCR loop: measured added time -100.0 ms is not positive (noise exceeds the cost this round)',
      'measuredMs over rounds spans -100.0 to 200.0: a round measured no added time, so the ratio has no upper bound on this machine (unresolved)',
    ]);
    // During a run the figures are made after every round from the same samples: after round 3, nothing is left of what round 2's said.
    const samples = emptySamples(figures);
    const rounds = tracedMs.map((ms) =>
      lookupFrom({
        'ocr-loop/plain': outcome({ scriptNs: 7000e6, scriptCpuNs: 7000e6 }),
        'ocr-loop/traced': outcome({ scriptNs: ms * 1e6, scriptCpuNs: ms * 1e6 }, docSummary({ overheadNs: 60e6 })),
      }),
    );
    let last: FigureResult[] = [];
    for (const lookup of rounds) {
      collectSample(figures[0]!, lookup, samples.get('oh-ocr-loop')!);
      last = results(figures, samples);
    }
    assert.deepEqual(last[0]!.errors, row!.errors);
  });

  test('a ratio whose divisor’s median over rounds is at or below zero reads unresolved, with or without a goal, not error', () => {
    // Three rounds of the whole OCR loop: 60 ms reported each time, measured -100, -50 and 200 ms.
    const reference = buildFigures(QUICK_SETTINGS).filter((candidate) => candidate.id === 'oh-ocr-loop');
    const judged = reference.map((candidate) => ({ ...candidate, goal: { kind: 'range', min: 0.75, max: 1.25, text: '0.75–1.25×' } as Goal }));
    for (const figures of [reference, judged]) {
      const [row] = refigure(ocrLoopDoc([6900, 6950, 7200]), figures);
      assert.deepEqual([row!.median, row!.verdict, row!.display.figure], [null, 'unresolved', '—']);
      assert.ok(row!.errors.includes('combining the rounds: the median added time over rounds (-50.000) is not positive'), row!.errors.join('; '));
    }
    // A positive median: the reference row is a figure again (info), with the range's open end.
    const [resolved] = refigure(ocrLoopDoc([6900, 7050, 7200]), reference);
    assert.deepEqual([resolved!.median, resolved!.verdict], [1.2, 'info']);
  });

  test('ratioOfMedians: the median always lies inside its range, which is bounded when every round measured a positive time', () => {
    // Per-round ratios would be 2, 0.25 and 10: their median (2) is not the ratio of the medians (60 / 40 = 1.5).
    const bounded = ratioOfMedians([80, 50, 60], [40, 200, 6]);
    assert.deepEqual(bounded, { median: 1.5, min: 60 / 200, max: 10, n: 3 });
    assert.ok(bounded.min <= bounded.median && bounded.median <= bounded.max);
    assert.throws(() => ratioOfMedians([60, 60, 60], [-5, -1, 3]), /median added time over rounds \(-1\.000\) is not positive/);
    assert.throws(() => ratioOfMedians([], [1]), /no round gave both numbers/);
  });

  test("reference rows: stagescope's and OpenTelemetry's added OCR loop time, and the module-load rows, from the same round's plain variant", () => {
    const get = lookupFrom({
      'ocr-loop/plain': outcome({ loopNs: 3.5e9, scriptNs: 3.7e9 }),
      'ocr-loop/traced': outcome({ loopNs: 3.6e9, scriptNs: 3.8e9 }, docSummary()),
      'ocr-loop/otel': outcome({ loopNs: 3.65e9, scriptNs: 3.85e9 }),
    });
    assert.equal(figure('ocr-loop-added-stagescope').sample(get), 100);
    assert.equal(figure('ocr-loop-added-otel').sample(get), 150);
    assert.deepEqual(figure('ocr-loop-added-otel').context?.(get), { plainLoopMs: 3500 });
    assert.equal(
      figure('ocr-loop-added-otel').sample(lookupFrom({ 'ocr-loop/otel': outcome({ loopNs: 1 }) })),
      undefined,
      'no plain loop this round: no sample',
    );
    // The module-load reference rows are made the same way, from loadNs.
    const load = lookupFrom({
      'module-load/plain': outcome({ loadNs: 3e7 }),
      'module-load/hooks': outcome({ loadNs: 3.4e7 }),
      'module-load/import': outcome({ loadNs: 3.9e7 }),
    });
    assert.equal(figure('module-load-hooks-added').sample(load), 4);
    assert.equal(figure('module-load-import-added').sample(load), 9);
    assert.deepEqual(figure('module-load-import-added').context?.(load), { plainMs: 30 });
  });

  test("row 1's reference rows: an empty --import and the OpenTelemetry SDK over the same round's bare start, and OTel's added start-up over stagescope's", () => {
    const get = lookupFrom({
      'startup/bare': outcome(null, null, 20e6),
      'startup/import': outcome(null, null, 28e6),
      'startup/importEmpty': outcome(null, null, 22e6),
      'startup/otel': outcome(null, null, 520e6),
    });
    assert.equal(figure('startup-import-ratio').sample(get), 1.4);
    assert.equal(figure('startup-import-empty-ratio').sample(get), 1.1);
    assert.equal(figure('startup-otel-ratio').sample(get), 26);
    assert.deepEqual(figure('startup-otel-ratio').context?.(get), { otelMs: 520 });
    assert.deepEqual(figure('startup-import-empty-ratio').context?.(get), { importEmptyMs: 22 });
    assert.equal(figure('startup-otel-vs-stagescope').sample(get), 62.5); // (520 − 20) / (28 − 20)
    assert.deepEqual(figure('startup-otel-vs-stagescope').context?.(get), { otelAddedMs: 500, stagescopeAddedMs: 8 });
    assert.deepEqual(figure('startup-otel-vs-stagescope').ratioOfMedians, { numerator: 'otelAddedMs', denominator: 'stagescopeAddedMs' });
    assert.equal(
      figure('startup-otel-ratio').sample(lookupFrom({ 'startup/otel': outcome(null, null, 520e6) })),
      undefined,
      'no bare start this round: no sample',
    );
  });

  test('kept spans: counted per target from the run document, as % of the calls made', () => {
    const runSpan = (id: number) => ({ id: String(id), parentId: '1', target: 'onnxruntime-node#InferenceSession.prototype.run' });
    const sharpSpan = (id: number) => ({ id: String(id), parentId: '1', target: 'sharp#default.prototype._pipeline' });
    const doc = docSummary({}, [
      runSpan(2),
      runSpan(3),
      runSpan(4),
      sharpSpan(5),
      { id: '6', parentId: '1', target: 'onnxruntime-node#InferenceSession.create' },
    ]);
    assert.equal(keptSpans(doc, /InferenceSession.*run$/), 3);
    assert.equal(keptSpans(doc, /^sharp#/), 1);
    const get = lookupFrom({ 'model/traced': outcome({ onnx: { calls: 4, under100usCalls: 0 }, sharp: { calls: 4, under100usCalls: 0 } }, doc) });
    assert.equal(figure('onnx-run-kept').sample(get), 75);
    assert.equal(figure('sharp-kept').sample(get), 25);
  });

  test('summarizeRunDoc: finds a start-up figure wherever the run document puts it; rejects other formats', () => {
    assert.equal(docSummary().startup, null);
    assert.deepEqual(docSummary({ startupNs: 84e6 }).startup, { path: 'doc.startupNs', ns: 84e6 });
    assert.deepEqual(docSummary({ overhead: { startupMs: 84 } }).startup, { path: 'doc.overhead.startupMs', ns: 84e6 });
    assert.deepEqual(docSummary({ startup: { durationNs: 5 } }).startup, { path: 'doc.startup', ns: 5 });
    const onRoot = summarizeRunDoc({ format: 'stagescope.run/1', spans: [{ id: '1', parentId: null, attributes: { 'stagescope.startupNs': 7 } }] }, 'r.json');
    assert.deepEqual(onRoot.startup, { path: 'root.attributes.stagescope.startupNs', ns: 7 });
    assert.deepEqual(docSummary({ processAlsNs: 12 }).reportedNs, { durationNs: 9e6, overheadNs: 2e6, processAlsNs: 12 });
    assert.throws(
      () => summarizeRunDoc({ format: 'stagescope.bench/1' }, 'b.json'),
      /b\.json: format is "stagescope\.bench\/1", expected "stagescope\.run\/1"/,
    );
  });

  test('runChild: parses the result line, times the process, and names the command and stderr when it fails', () => {
    const dir = tempDir('stagescope-bench-cost-');
    const docFile = path.join(dir, 'run.json');
    const ok = runChild(
      {
        args: ['-e', 'console.log("noise"); console.log("bench-cost-result " + JSON.stringify({ a: { b: 2 } }))'],
        expectsResult: true,
        runDocument: false,
        timeoutMs: 30_000,
      },
      repoRoot,
      docFile,
    );
    assert.equal(resultNumber(ok, 'a.b'), 2);
    assert.ok(ok.wallNs > 0);
    assert.throws(() => resultNumber(ok, 'a.c'), /no number at "a\.c"/);
    assert.throws(
      () =>
        runChild(
          { args: ['-e', 'console.error("boom here"); process.exit(3)'], expectsResult: false, runDocument: false, timeoutMs: 30_000 },
          repoRoot,
          docFile,
        ),
      (error: unknown) => error instanceof ChildFailed && /exited with code 3/.test(error.message) && /boom here/.test(error.message),
    );
    assert.throws(
      () => runChild({ args: ['-e', '0'], expectsResult: true, runDocument: false, timeoutMs: 30_000 }, repoRoot, docFile),
      /printed no "bench-cost-result" line/,
    );
    // A variant's own working directory (a bare --import specifier resolves from it), else the one given.
    const printCwd = ['-e', 'console.log("bench-cost-result " + JSON.stringify({ cwd: process.cwd() }))'];
    const inDir = runChild({ args: printCwd, expectsResult: true, runDocument: false, timeoutMs: 30_000, cwd: dir }, repoRoot, docFile);
    assert.equal(inDir.result?.cwd, dir);
    const inRoot = runChild({ args: printCwd, expectsResult: true, runDocument: false, timeoutMs: 30_000 }, repoRoot, docFile);
    assert.equal(inRoot.result?.cwd, repoRoot.replace(/\/$/, ''));
  });

  test('cleanEnv: a plain baseline inherits no --import and no STAGESCOPE_* settings', () => {
    const saved = { ...process.env };
    try {
      process.env.NODE_OPTIONS = '--import stagescope/register';
      process.env.STAGESCOPE_PROBES = 'all';
      process.env.BENCH_COST_TEST_KEEP = 'yes';
      const env = cleanEnv();
      assert.equal(env.NODE_OPTIONS, undefined);
      assert.equal(env.STAGESCOPE_PROBES, undefined);
      assert.equal(env.BENCH_COST_TEST_KEEP, 'yes');
    } finally {
      for (const key of ['NODE_OPTIONS', 'STAGESCOPE_PROBES', 'BENCH_COST_TEST_KEEP']) {
        if (saved[key] === undefined) delete process.env[key];
        else process.env[key] = saved[key];
      }
    }
  });

  test('the terminal table puts goal and verdict next to each figure and lists why a figure is missing', () => {
    const text = renderCostTable(costDocument());
    assert.match(text, /load average 1\.50–2\.25/);
    assert.match(text, /\n1 +startup --import ocr \/ bare node +1\.20× \(1\.10–1\.25\) +≤ 1\.3× +ok\n/);
    assert.match(text, /\n6 +OTel \| stagescope +3\.10× \(2\.90–3\.40\) +≥ 5× +MISS\n/);
    assert.match(text, /\nstartup-reported: the run document reports no start-up figure\n/);
  });
});

describe('where a run writes its result (benchmarks/cost/result-file.ts)', () => {
  const run = (childNodeVersion: string, quick = false, partial = false) => ({ childNodeVersion, quick, partial });
  const file = (result: ReturnType<typeof defaultResultFile>) => path.relative(repoRoot, result);

  test('a full run on the primary major writes cost.json, on any other major cost-node<major>.json', () => {
    assert.equal(PRIMARY_NODE_MAJOR, 24);
    assert.equal(file(defaultResultFile(run('v24.21.0'), repoRoot, '/tmp')), 'benchmarks/results/cost.json');
    assert.equal(file(defaultResultFile(run('v22.23.3'), repoRoot, '/tmp')), 'benchmarks/results/cost-node22.json');
    assert.equal(file(defaultResultFile(run('v20.20.2'), repoRoot, '/tmp')), 'benchmarks/results/cost-node20.json');
  });

  test('the Node 22 file is the one docs:bench reads', async () => {
    const renderer = (await import(pathToFileURL(RENDER).href)) as { NODE22_JSON: string; NODE22_MAJOR: number };
    assert.equal(file(defaultResultFile(run(`v${renderer.NODE22_MAJOR}.0.0`), repoRoot, '/tmp')), renderer.NODE22_JSON);
  });

  test('--quick and --only runs write to the temp folder, on every major', () => {
    for (const version of ['v24.21.0', 'v22.23.3']) {
      assert.equal(defaultResultFile(run(version, true), repoRoot, '/scratch'), '/scratch/stagescope-bench-cost-quick.json');
      assert.equal(defaultResultFile(run(version, false, true), repoRoot, '/scratch'), '/scratch/stagescope-bench-cost-partial.json');
      assert.equal(defaultResultFile(run(version, true, true), repoRoot, '/scratch'), '/scratch/stagescope-bench-cost-quick.json');
    }
  });
});

describe('docs:bench (scripts/render-bench-docs.mjs)', () => {
  const page = (body: string) => `# Overhead\n\nIntro stays.\n\n${START}\nold table\n${END}\n\n${body}\n`;

  test('replaces only the text between the markers, from the JSON; a second run changes nothing', async () => {
    const dir = tempDir('stagescope-docs-bench-');
    const json = path.join(dir, 'cost.json');
    writeFileSync(json, JSON.stringify(costDocument()));
    const docs = path.join(dir, 'overhead.md');
    const readme = path.join(dir, 'README.md');
    writeFileSync(docs, page('Outro stays.'));
    writeFileSync(readme, page('README outro.').replace(/\n/g, '\r\n'));

    const first = await runNode([RENDER, '--json', json, docs, readme]);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /overhead\.md: benchmark table regenerated/);
    const once = readFileSync(docs, 'utf8');
    assert.ok(once.startsWith(`# Overhead\n\nIntro stays.\n\n${START}\n`));
    assert.ok(once.endsWith(`${END}\n\nOutro stays.\n`));
    assert.doesNotMatch(once, /old table/);
    const rows = once
      .split('\n')
      .filter((line) => /^\| \d/.test(line))
      .map((line) =>
        line
          .split(/(?<!\\)\|/)
          .slice(1, -1)
          .map((cell) => cell.trim()),
      );
    assert.deepEqual(rows, [
      ['1', 'startup --import ocr / bare node', '1.20× (1.10–1.25)', '≤ 1.3×', 'ok'],
      ['6', 'OTel \\| stagescope', '3.10× (2.90–3.40)', '≥ 5×', '**miss**'],
      ['6', 'AsyncLocalStorage alone, added/call', '120 ns (90–150)', '(reference)', '—'],
      ['8', 'start-up reported', '—', 'shown', '**no figure**'],
      ['8', 'reported OH / measured, OCR loop', '4.08× (0.11–∞)', '0.75–1.25×', 'not resolved'],
    ]);
    assert.match(once, /- start-up reported: the run document reports no start-up figure/);
    assert.match(once, /node v20\.20\.2 .*stagescope abc1234; 2 interleaved rounds, 1-minute load average 1\.50–2\.25 during the run/);
    const readmeText = readFileSync(readme, 'utf8');
    assert.doesNotMatch(readmeText, /[^\r]\n/, 'CRLF file stays CRLF');

    const second = await runNode([RENDER, '--json', json, docs, readme]);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, /overhead\.md: up to date\n.*README\.md: up to date/s);
    assert.equal(readFileSync(docs, 'utf8'), once);
    assert.equal(readFileSync(readme, 'utf8'), readmeText);
  });

  test('a figure’s errors of one kind, one per round, are one line with the range of their numbers', async () => {
    const dir = tempDir('stagescope-docs-bench-');
    const json = path.join(dir, 'cost.json');
    const noise = (ms: number): string => `OCR loop: measured added time ${ms} ms is not positive (noise exceeds the cost this round)`;
    const doc = costDocument();
    doc.figures.push(
      figureResult({
        id: 'oh-ocr-loop',
        row: 8,
        title: 'reported OH / measured, 30-iteration OCR loop',
        verdict: 'error',
        samples: [],
        median: null,
        min: null,
        max: null,
        errors: [noise(-25.3), noise(-860.9), noise(-5.3), 'combining the medians over rounds: the median added time over rounds (-81.014) is not positive'],
        display: { figure: '—', goal: '0.75–1.25×' },
      }),
    );
    writeFileSync(json, JSON.stringify(doc));
    const docs = path.join(dir, 'overhead.md');
    writeFileSync(docs, page('Outro stays.'));
    const result = await runNode([RENDER, '--json', json, docs]);
    assert.equal(result.code, 0, result.stderr);
    const notes = readFileSync(docs, 'utf8')
      .split('\n')
      .filter((line) => line.startsWith('- '));
    assert.deepEqual(notes, [
      '- start-up reported: the run document reports no start-up figure',
      '- reported OH / measured, 30-iteration OCR loop: OCR loop: measured added time -860.9 to -5.3 ms is not positive (noise exceeds the cost this round) (3 times); ' +
        'combining the medians over rounds: the median added time over rounds (-81.014) is not positive',
    ]);
  });

  test('missing JSON, a quick or unfinished run, or a file without markers: exit 1 naming it, nothing written', async () => {
    const dir = tempDir('stagescope-docs-bench-');
    const docs = path.join(dir, 'overhead.md');
    writeFileSync(docs, page('x'));
    const missing = await runNode([RENDER, '--json', path.join(dir, 'nope.json'), docs]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /nope\.json: not found; run `npm run bench:cost` first/);

    const quick = path.join(dir, 'quick.json');
    writeFileSync(quick, JSON.stringify(costDocument({ quick: true })));
    const refused = await runNode([RENDER, '--json', quick, docs]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /comes from a --quick run/);

    const some = path.join(dir, 'some.json');
    writeFileSync(some, JSON.stringify(costDocument({ partial: true })));
    assert.match((await runNode([RENDER, '--json', some, docs])).stderr, /some\.json: comes from a run of some experiments only \(--only\)/);

    const partial = path.join(dir, 'partial.json');
    writeFileSync(partial, JSON.stringify(costDocument({ complete: false })));
    assert.match((await runNode([RENDER, '--json', partial, docs])).stderr, /did not finish \(complete: false\)/);

    const good = path.join(dir, 'cost.json');
    writeFileSync(good, JSON.stringify(costDocument()));
    const bare = path.join(dir, 'bare.md');
    writeFileSync(bare, '# no markers\n');
    const noMarkers = await runNode([RENDER, '--json', good, docs, bare]);
    assert.equal(noMarkers.code, 1);
    assert.match(noMarkers.stderr, /bare\.md: no <!-- generated:bench-cost:start --> line/);
    assert.equal(readFileSync(docs, 'utf8'), page('x'), 'checked before writing: the good file is untouched too');
  });

  const node22Env = { node: 'v22.23.3', platform: 'linux', arch: 'x64', cpus: 2, cpuModel: 'Test CPU', stagescopeCommit: 'def5678' };
  const node24Env = { ...node22Env, node: 'v24.21.0', stagescopeCommit: 'abc1234' };
  const node22Doc = () =>
    costDocument({
      environment: node22Env,
      startedAt: '2026-11-28T08:00:00.000Z',
      loadAverage: { start: [0.5, 1, 1], end: [0.75, 1, 1], perRound: [0.5, 0.75], min: 0.5, max: 0.75 },
      figures: [
        figureResult({
          id: 'startup-import-ratio',
          row: 1,
          title: 'startup --import ocr / bare node',
          display: { figure: '1.45× (1.40–1.52)', goal: '≤ 1.3×' },
        }),
      ],
    });
  const overheadPage = `# Overhead\n\n${START}\nold\n${END}\n\n### Node 22\n\n${START22}\nold 22\n${END22}\n\nOutro.\n`;

  test('Node 22: its own block from cost-node22.json with its own header line, and a line in a page with one block saying where it is', async () => {
    const dir = tempDir('stagescope-docs-bench-');
    const json = path.join(dir, 'cost.json');
    writeFileSync(json, JSON.stringify(costDocument({ environment: node24Env })));
    writeFileSync(path.join(dir, 'cost-node22.json'), JSON.stringify(node22Doc()));
    mkdirSync(path.join(dir, 'docs'));
    const docs = path.join(dir, 'docs', 'overhead.md');
    const readme = path.join(dir, 'README.md');
    writeFileSync(docs, overheadPage);
    writeFileSync(readme, page('README outro.'));

    const result = await runNode([RENDER, '--json', json, docs, readme]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /overhead\.md: benchmark tables regenerated\n.*README\.md: benchmark table regenerated/s);
    const text = readFileSync(docs, 'utf8');
    const node22Block = text.slice(text.indexOf(START22), text.indexOf(END22));
    assert.match(node22Block, /from \S*cost-node22\.json; do not edit by hand/);
    assert.match(node22Block, /\n\| 1 \| startup --import ocr \/ bare node \| 1\.45× \(1\.40–1\.52\) \| ≤ 1\.3× \| ok \|\n/);
    assert.match(
      node22Block,
      /on 2026-11-28 with node v22\.23\.3 .*stagescope def5678; 2 interleaved rounds, 1-minute load average 0\.50–0\.75 during the run/,
    );
    const primaryBlock = text.slice(text.indexOf(START), text.indexOf(END));
    assert.match(primaryBlock, /with node v24\.21\.0 /);
    assert.doesNotMatch(primaryBlock, /1\.45×|Node 22/, 'each block holds its own result; the page with the Node 22 block needs no pointer');
    assert.ok(text.endsWith(`${END22}\n\nOutro.\n`));
    const readmeText = readFileSync(readme, 'utf8');
    assert.doesNotMatch(readmeText, /1\.45×|generated:bench-cost-node22/, 'the README keeps one table');
    const pointers = readmeText.split('\n').filter((line) => /Node 22/.test(line));
    assert.deepEqual(pointers, ['The same benchmark on Node 22 (node v22.23.3, 2026-11-28): [its table](docs/overhead.md#node-22).']);

    const again = await runNode([RENDER, '--json', json, docs, readme]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /overhead\.md: up to date\n.*README\.md: up to date/s);
  });

  test('Node 22: without cost-node22.json its block says so in one line, how to make it, and the README has no line about it', async () => {
    const dir = tempDir('stagescope-docs-bench-');
    const json = path.join(dir, 'cost.json');
    writeFileSync(json, JSON.stringify(costDocument({ environment: node24Env })));
    const docs = path.join(dir, 'overhead.md');
    const readme = path.join(dir, 'README.md');
    writeFileSync(docs, overheadPage);
    writeFileSync(readme, page('README outro.'));
    const result = await runNode([RENDER, '--json', json, docs, readme]);
    assert.equal(result.code, 0, result.stderr);
    const text = readFileSync(docs, 'utf8');
    const inside = text.slice(text.indexOf(START22) + START22.length, text.indexOf(END22));
    assert.match(
      inside,
      /^\nNo Node 22 figures yet: \S*cost-node22\.json does not exist\. A full `npm run bench:cost -- --node <Node 22 binary>` writes it; [^\n]*\n$/,
    );
    assert.doesNotMatch(readFileSync(readme, 'utf8'), /Node 22/);
  });

  test('Node 22: a result from the wrong major or a named file that is missing fails naming the file, nothing written', async () => {
    const dir = tempDir('stagescope-docs-bench-');
    const docs = path.join(dir, 'overhead.md');
    writeFileSync(docs, overheadPage);
    const json = path.join(dir, 'cost.json');
    writeFileSync(json, JSON.stringify(costDocument({ environment: node24Env })));
    writeFileSync(path.join(dir, 'cost-node22.json'), JSON.stringify(costDocument({ environment: node24Env })));
    const wrong22 = await runNode([RENDER, '--json', json, docs]);
    assert.equal(wrong22.code, 1);
    assert.match(wrong22.stderr, /cost-node22\.json: measured on node v24\.21\.0, not Node 22/);

    const primary22 = path.join(dir, 'primary.json');
    writeFileSync(primary22, JSON.stringify(node22Doc()));
    const wrongPrimary = await runNode([RENDER, '--json', primary22, '--json-node22', path.join(dir, 'none.json'), docs]);
    assert.equal(wrongPrimary.code, 1);
    assert.match(wrongPrimary.stderr, /primary\.json: measured on node v22\.23\.3; Node 22's figures go in cost-node22\.json/);

    const missing = await runNode([RENDER, '--json', json, '--json-node22', path.join(dir, 'none.json'), docs]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /none\.json: not found; a full `npm run bench:cost -- --node <Node 22 binary>` writes benchmarks\/results\/cost-node22\.json/);
    assert.equal(readFileSync(docs, 'utf8'), overheadPage);
  });

  test('--check: exit 0 when every block is what the JSON gives, else exit 1 naming the file and the block; nothing written', async () => {
    const dir = tempDir('stagescope-docs-bench-');
    const json = path.join(dir, 'cost.json');
    writeFileSync(json, JSON.stringify(costDocument({ environment: node24Env })));
    writeFileSync(path.join(dir, 'cost-node22.json'), JSON.stringify(node22Doc()));
    const docs = path.join(dir, 'overhead.md');
    const readme = path.join(dir, 'README.md');
    writeFileSync(docs, overheadPage);
    writeFileSync(readme, page('README outro.'));

    const stale = await runNode([RENDER, '--check', '--json', json, docs, readme]);
    assert.equal(stale.code, 1);
    assert.match(stale.stderr, /overhead\.md: the generated bench-cost and bench-cost-node22 block\(s\) are not what the generator makes of /);
    assert.match(stale.stderr, /README\.md: the generated bench-cost block\(s\) are not what/);
    assert.equal(readFileSync(docs, 'utf8'), overheadPage, '--check writes nothing');

    assert.equal((await runNode([RENDER, '--json', json, docs, readme])).code, 0);
    const fresh = await runNode([RENDER, '--check', '--json', json, docs, readme]);
    assert.equal(fresh.code, 0, fresh.stderr);
    assert.equal(fresh.stderr, '');

    // A figure edited by hand in the Node 22 block only.
    const rendered = readFileSync(docs, 'utf8');
    writeFileSync(docs, rendered.replace('1.45× (1.40–1.52)', '1.25× (1.40–1.52)'));
    const edited = await runNode([RENDER, '--check', '--json', json, docs, readme]);
    assert.equal(edited.code, 1);
    assert.match(edited.stderr, /overhead\.md: the generated bench-cost-node22 block\(s\)/);
    assert.doesNotMatch(edited.stderr, /README\.md/);
  });
});

describe('benchmarks/children/long-tiny-loop.mjs', () => {
  test('runs batches until the process is untilMs old and reports the medians of the early and the late ones', async () => {
    const result = await runNode([path.join(repoRoot, 'benchmarks/children/long-tiny-loop.mjs'), 'untilMs=700', 'lateFromMs=600']);
    assert.equal(result.code, 0, result.stderr);
    const line = result.stdout.split('\n').find((text) => text.startsWith('bench-cost-result '));
    assert.ok(line, result.stdout);
    const report = JSON.parse(line.slice('bench-cost-result '.length)) as {
      untilMs: number;
      lateFromMs: number;
      earlyPerCallNs: number | null;
      latePerCallNs: number;
      lateBatches: number;
      batches: [number, number][];
    };
    assert.equal(report.untilMs, 700);
    assert.equal(report.lateFromMs, 600);
    assert.ok(report.lateBatches >= 1 && report.latePerCallNs > 0, JSON.stringify(report).slice(0, 300));
    assert.ok(report.earlyPerCallNs === null || report.earlyPerCallNs > 0);
    const seconds = report.batches.map(([at]) => at);
    assert.deepEqual(
      seconds,
      [...seconds].sort((a, b) => a - b),
      'batches in time order',
    );
    assert.ok(seconds.at(-1)! >= 0.7, `the last batch ends when the process is 700 ms old or later, not at ${seconds.at(-1)} s`);
  });

  test('a late window that starts at or after the end is refused', async () => {
    const result = await runNode([path.join(repoRoot, 'benchmarks/children/long-tiny-loop.mjs'), 'untilMs=500', 'lateFromMs=500']);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /lateFromMs \(500\) must be less than untilMs \(500\)/);
  });
});

describe('benchmarks/children/model-paired.mjs', () => {
  test('refuses to run without a wrapper around the calls it pairs, and says how to run it', async () => {
    const result = await runNode([path.join(repoRoot, 'benchmarks/children/model-paired.mjs'), 'blocks=1', 'calls=1', 'warm=1']);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /model-paired\.mjs: run is not wrapped; run it under --import stagescope\/register\/ocr or --import \.\/hand-wrapper\.mjs/);
    assert.doesNotMatch(result.stdout, /bench-cost-result/);
  });

  /** model-paired.mjs under the hand-written wrapper: its result line, parsed (the test fails without one). */
  async function pairedUnderHand(...args: string[]): Promise<unknown> {
    const child = path.join(repoRoot, 'benchmarks/children');
    const result = await runNode(['--import', path.join(child, 'hand-wrapper.mjs'), path.join(child, 'model-paired.mjs'), ...args]);
    assert.equal(result.code, 0, result.stderr);
    const line = result.stdout.split('\n').find((text) => text.startsWith('bench-cost-result '));
    assert.ok(line !== undefined, result.stdout);
    return JSON.parse(line.slice('bench-cost-result '.length));
  }

  test('under the hand-written wrapper: one figure per library, from the blocks asked for', async () => {
    const figures = (await pairedUnderHand('blocks=2', 'calls=2', 'warm=1')) as Record<string, { blocks: number; callsPerBlock: number; addedNs: number }>;
    for (const library of ['onnx', 'sharp']) {
      assert.equal(figures[library]?.blocks, 2);
      assert.equal(figures[library]?.callsPerBlock, 2);
      assert.equal(typeof figures[library]?.addedNs, 'number');
    }
  });

  test('warm-only: stops after the warm-up pairs (row 8 takes this OH from the whole run’s)', async () => {
    assert.deepEqual(await pairedUnderHand('blocks=2', 'calls=2', 'warm=3', 'warm-only'), {
      onnx: { warmPairs: 3 },
      sharp: { warmPairs: 3 },
      sharpCrops: { warmPairs: 3 },
    });
  });
});

describe('benchmarks/children/ocr-paired.mjs', () => {
  const child = path.join(repoRoot, 'benchmarks/children/ocr-paired.mjs');

  test('refuses to run without stagescope around the calls it pairs, and says how to run it', async () => {
    const result = await runNode([child, 'iterations=2', 'warm=1']);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /ocr-paired\.mjs: run is not wrapped; run it under --import stagescope\/register\/ocr/);
    assert.doesNotMatch(result.stdout, /bench-cost-result/);
  });

  test('refuses one iteration: each call needs pairs in both orders', async () => {
    const result = await runNode([child, 'iterations=1']);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /iterations must be 2 or more \(each call is paired in both orders\), got 1/);
  });

  /** ocr-paired.mjs under stagescope's OCR preset: its result line, parsed (the test fails without one). */
  async function pairedUnderStagescope(...args: string[]): Promise<Record<string, number>> {
    const result = await runNode(['--import', 'stagescope/register/ocr', child, ...args], { env: { STAGESCOPE_QUIET: '1' } });
    assert.equal(result.code, 0, result.stderr);
    const line = result.stdout.split('\n').find((text) => text.startsWith('bench-cost-result '));
    assert.ok(line !== undefined, result.stdout);
    return JSON.parse(line.slice('bench-cost-result '.length)) as Record<string, number>;
  }

  test("under stagescope: every call of the receipt's reads paired, one figure per call averaged", async () => {
    const figures = await pairedUnderStagescope('iterations=2', 'warm=1');
    // det, then cls and rec for each of the receipt's text boxes, each with its sharp pipeline
    assert.deepEqual([figures.iterations, figures.warmIterations, figures.callsPerIteration], [2, 1, 19]);
    for (const key of ['addedNs', 'minCallAddedNs', 'maxCallAddedNs']) assert.equal(Number.isFinite(figures[key]), true, key);
    assert.ok(figures.minCallAddedNs! <= figures.addedNs! && figures.addedNs! <= figures.maxCallAddedNs!);
  });

  test('warm-only: stops after the warm-up reads (row 8 takes this OH from the whole run’s)', async () => {
    assert.deepEqual(await pairedUnderStagescope('iterations=2', 'warm=2', 'warm-only'), { warmIterations: 2 });
  });
});

describe('benchmarks/children/model-alloc.mjs', () => {
  test('bytes per call of each library, from chunks in which no collection ran', async () => {
    const result = await runNode([path.join(repoRoot, 'benchmarks/children/model-alloc.mjs'), 'chunks=3', 'calls=5', 'warm=2']);
    assert.equal(result.code, 0, result.stderr);
    const line = result.stdout.split('\n').find((text) => text.startsWith('bench-cost-result '));
    assert.ok(line !== undefined, result.stdout);
    const figures = JSON.parse(line.slice('bench-cost-result '.length)) as Record<
      string,
      { bytesPerCall: number; chunks: number; cleanChunks: number; callsPerChunk: number }
    >;
    for (const library of ['onnx', 'sharp', 'sharpCrops']) {
      const figure = figures[library];
      assert.ok(figure !== undefined, library);
      assert.deepEqual([figure.chunks, figure.callsPerChunk], [3, 5]);
      assert.ok(figure.cleanChunks >= 1 && figure.cleanChunks <= 3, `${library}: ${figure.cleanChunks} clean chunks`);
      // A model call makes its output tensors, a sharp call its pipeline objects: never nothing.
      assert.ok(figure.bytesPerCall > 500, `${library}: ${figure.bytesPerCall} bytes a call`);
    }
  });

  test('a bad argument is refused, naming it', async () => {
    const result = await runNode([path.join(repoRoot, 'benchmarks/children/model-alloc.mjs'), 'chunks=0']);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /chunks must be an integer ≥ 1, got "chunks=0"/);
  });
});

describe('npm run bench:cost (end to end, one small experiment)', () => {
  test('--quick --only probes: progress on stderr, table with goal and verdict on stdout, JSON result parsed back', async () => {
    const dir = tempDir('stagescope-bench-cost-');
    const out = path.join(dir, 'cost.json');
    const result = await runNode([path.join(repoRoot, 'build/benchmarks/cost.js'), '--quick', '--only', 'probes', '--out', out], { timeoutMs: 180_000 });
    assert.equal(result.code, 0, result.stderr);
    // The code cache's run, 2 warm-up children, then 2 rounds of 2 variants taking turns (off on, then on off).
    assert.deepEqual(
      result.stderr
        .split('\n')
        .filter((line) => /\] /.test(line))
        .map((line) => line.replace(/^bench:cost \[ ?\d+\/10\] /, '').replace(/ [\d.]+ s$/, '')),
      [
        'warm-up: the code cache, made by one traced run of the OCR example',
        'warm-up probes/off',
        'warm-up probes/on',
        'warm-up probes/reading',
        'round 1/2 probes/off',
        'round 1/2 probes/on',
        'round 1/2 probes/reading',
        'round 2/2 probes/reading',
        'round 2/2 probes/on',
        'round 2/2 probes/off',
      ],
    );
    assert.match(result.stdout, /\n7 +probes memory\+cpu\+disk\+network per span +\S+ µs \(\S+–\S+\) +≤ 3 µs +(ok|BORDERLINE|MISS)\n/);
    assert.match(
      result.stdout,
      /\n7 +probes memory\+cpu\+disk\+network per span that takes readings \(a 150 µs call\) +\S+ µs \(\S+–\S+\) +\(reference\) +INFO\n/,
    );
    const doc = JSON.parse(readFileSync(out, 'utf8')) as CostDocument;
    assert.equal(doc.format, COST_FORMAT);
    assert.equal(doc.complete, true);
    assert.equal(doc.quick, true);
    assert.equal(doc.partial, true);
    assert.equal(doc.loadAverage.perRound.length, 2);
    assert.deepEqual(
      doc.figures.map((f) => [f.id, f.samples.length, f.errors]),
      [
        ['probes-per-span', 2, []],
        ['probes-per-reading-span', 2, []],
      ],
    );
    // The reading row's child paired blocks in one process, with the probes on (probe-loop.mjs spin=…).
    const reading = doc.experiments.probes!.variants.reading!.runs.map((run) => run.result);
    assert.deepEqual(
      reading.map((result) => [result?.n, result?.spinUs, typeof result?.probesAddedNs]),
      [
        [200, 150, 'number'],
        [200, 150, 'number'],
      ],
    );
    const runs = doc.experiments.probes!.variants.on!.runs;
    assert.deepEqual(
      runs.map((run) => [run.round, run.result?.n]),
      [
        [1, 2000],
        [2, 2000],
      ],
    );
    assert.ok(doc.experiments.probes!.variants.on!.env.STAGESCOPE_PROBES === 'memory,cpu,disk,network');

    // --refigure: the same figures from the runs the file saved, nothing run again.
    const again = path.join(dir, 'again.json');
    const refigured = await runNode([path.join(repoRoot, 'build/benchmarks/cost.js'), '--refigure', out, '--out', again]);
    assert.equal(refigured.code, 0, refigured.stderr);
    assert.doesNotMatch(refigured.stderr, /round/, 'no child ran');
    assert.match(refigured.stdout, /\n7 +probes memory\+cpu\+disk\+network per span +\S+ µs/);
    assert.match(refigured.stdout, /figures computed again by stagescope \w+/);
    const recomputed = JSON.parse(readFileSync(again, 'utf8')) as CostDocument;
    assert.deepEqual(recomputed.figures, doc.figures);
    assert.deepEqual(recomputed.experiments, doc.experiments);
    assert.equal(typeof recomputed.refiguredBy, 'string');
  });

  test('--quick --only tiny: the AsyncLocalStorage row in the table and the JSON, from children that say which AsyncLocalStorage they had', async () => {
    const dir = tempDir('stagescope-bench-cost-');
    const out = path.join(dir, 'cost.json');
    const result = await runNode([path.join(repoRoot, 'build/benchmarks/cost.js'), '--quick', '--only', 'tiny', '--out', out], { timeoutMs: 180_000 });
    assert.equal(result.code, 0, result.stderr);
    // The same rounds as the other variants, in turn (A B C …, then … C B A).
    const order = result.stderr
      .split('\n')
      .filter((line) => /\] round /.test(line))
      .map((line) => line.replace(/^bench:cost \[ ?\d+\/\d+\] /, '').replace(/ [\d.]+ s$/, ''));
    assert.deepEqual(order.slice(0, 2), ['round 1/2 tiny/plain', 'round 1/2 tiny/als']);
    assert.deepEqual(order.slice(-2), ['round 2/2 tiny/als', 'round 2/2 tiny/plain']);
    assert.match(
      result.stdout,
      /\n6 +tiny async fn: AsyncLocalStorage alone \(a store entered\), added\/call +-?\d+ ns \(-?\d+–-?\d+\) +\(reference\) +INFO\n/,
    );
    const doc = JSON.parse(readFileSync(out, 'utf8')) as CostDocument;
    const row = doc.figures.find((candidate) => candidate.id === 'tiny-als-added');
    assert.ok(row, 'tiny-als-added is in the JSON');
    assert.deepEqual([row.row, row.unit, row.verdict, row.errors, row.samples.length], [6, 'ns', 'info', [], 2]);
    assert.equal(row.method, figure('tiny-als-added').method);
    const runs = (variant: string) => doc.experiments.tiny!.variants[variant]!.runs;
    // Each sample is that round's als − plain, per awaited call.
    const perCall = (variant: string, round: number) => runs(variant).find((run) => run.round === round)!.result!.perCallNs as number;
    assert.deepEqual(
      row.samples,
      [1, 2].map((round) => perCall('als', round) - perCall('plain', round)),
    );
    assert.deepEqual(
      ['plain', 'als', 'stagescope', 'stagescope-default'].map((variant) => [variant, runs(variant).map((run) => run.result?.asyncContext)]),
      [
        ['plain', ['none', 'none']],
        ['als', ['entered', 'entered']],
        ['stagescope', ['stagescope', 'stagescope']],
        ['stagescope-default', ['stagescope', 'stagescope']],
      ],
    );
    assert.deepEqual(doc.experiments.tiny!.variants.als!.command, ['benchmarks/children/tiny-als.mjs', `n=${QUICK_SETTINGS.tinyCalls}`]);
  });

  test('--refigure: a file that is not a bench:cost result, or with options that would run something, is refused naming it (exit 2)', async () => {
    const dir = tempDir('stagescope-bench-cost-');
    const notResult = path.join(dir, 'run.json');
    writeFileSync(notResult, JSON.stringify({ format: 'stagescope.run/1' }));
    const cost = path.join(repoRoot, 'build/benchmarks/cost.js');
    const wrong = await runNode([cost, '--refigure', notResult]);
    assert.equal(wrong.code, 2);
    assert.match(wrong.stderr, /--refigure .*run\.json: not a bench:cost result \(format "stagescope\.run\/1", expected "stagescope\.bench-cost\/1"\)/);
    const missing = await runNode([cost, '--refigure', path.join(dir, 'nope.json')]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--refigure .*nope\.json: cannot read it as JSON/);
    const mixed = await runNode([cost, '--refigure', notResult, '--only', 'tiny']);
    assert.equal(mixed.code, 2);
    assert.match(mixed.stderr, /--refigure runs nothing: it takes no --quick, --only or --node/);
  });

  test('bad options: exit 2 naming the option', async () => {
    const result = await runNode([path.join(repoRoot, 'build/benchmarks/cost.js'), '--only', 'nope']);
    assert.equal(result.code, 2);
    assert.match(
      result.stderr,
      /--only: unknown experiment "nope" \(known: startup, example, module-load, model, model-paired, model-alloc, onnx-tiny, tiny, tiny-late, probes, ocr-loop, ocr-paired\)/,
    );
  });
});
