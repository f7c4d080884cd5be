import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, test } from 'node:test';
import type { RunDocument } from '../src/core/run-document.js';
import type { SpanRecord } from '../src/core/types.js';
import { OcrLatency } from '../src/index.js';
import { initPhases, recognizePhases, type ProgressEvent } from '../src/presets/tesseract/tesseract-progress.js';
import { assertChildrenWithinParents, fixture, readRun, repoRoot, runCli, runNode, spanIndex, tempDir } from './helpers.js';

const example = (name: string): string => path.join(repoRoot, 'examples/ocr', name);
const registerOcr = path.join(repoRoot, 'build/src/register/ocr.js');
const RECOGNIZE_PHASES = ['image load + layout analysis (no progress events)', 'recognizing text', 'output (after last progress event)'];

function names(spans: SpanRecord[]): string[] {
  return spans.map((span) => span.name);
}

/** Run `script` plainly and under `node --import stagescope/register/ocr`, side by side. */
async function plainAndTraced(
  script: string,
  args: string[] = [],
): Promise<{ plain: string; traced: string; doc: RunDocument; tracedStderr: string; plainStderr: string }> {
  const json = path.join(tempDir(), 'run.json');
  const [plain, traced] = await Promise.all([
    runNode([script, ...args]),
    runNode(['--import', registerOcr, script, ...args], { env: { STAGESCOPE_JSON: json, STAGESCOPE_QUIET: '1' } }),
  ]);
  assert.equal(plain.code, 0, plain.stderr);
  assert.equal(traced.code, 0, traced.stderr);
  return { plain: plain.stdout, traced: traced.stdout, doc: readRun(json), tracedStderr: traced.stderr, plainStderr: plain.stderr };
}

function assertRecognizeSubtree(doc: RunDocument, recognize: SpanRecord): void {
  const { children } = spanIndex(doc);
  assert.equal(recognize.stage, 'recognition');
  const phases = children(recognize);
  assert.deepEqual(names(phases), RECOGNIZE_PHASES);
  assert.deepEqual(
    phases.map((phase) => phase.stage),
    ['detection', 'recognition', 'postprocess'],
  );
  // contiguous: each phase starts where the previous one ended, from call start to call end
  assert.equal(phases[0]!.startNs, recognize.startNs);
  for (let i = 1; i < phases.length; i++) assert.equal(phases[i]!.startNs, phases[i - 1]!.startNs + phases[i - 1]!.durationNs);
  assert.equal(phases[2]!.startNs + phases[2]!.durationNs, recognize.startNs + recognize.durationNs);
  assert.equal(phases[1]!.attributes.derivedFrom, 'tesseract.js logger events');
}

function assertCreateWorkerSubtree(doc: RunDocument, createWorker: SpanRecord): void {
  const { children } = spanIndex(doc);
  assert.equal(createWorker.stage, 'load');
  const phases = names(children(createWorker));
  assert.equal(phases[0], 'start worker thread (no progress events)');
  for (const status of ['initializing tesseract', 'loading language traineddata', 'initializing api']) {
    assert.ok(phases.includes(status), `createWorker phases ${phases.join(', ')} lack "${status}"`);
  }
  assert.ok(phases.indexOf('loading language traineddata') < phases.indexOf('initializing api'));
}

describe('tesseract phases from progress events (pure)', () => {
  const event = (atNs: number, status: string, progress: number): ProgressEvent => ({ atNs, status, progress, jobId: 'Job-1' });

  test('no progress events: no phases, nothing invented', () => {
    assert.deepEqual(recognizePhases(undefined, 0, 100), []);
    assert.deepEqual(initPhases([], 0, 100, { workerStart: true }), []);
  });

  test('recognize: before first, between first and last, after last event', () => {
    const phases = recognizePhases({ firstNs: 30, lastNs: 80, count: 5, lastProgress: 1 }, 10, 100);
    assert.deepEqual(
      phases.map((phase) => [phase.name, phase.startNs, phase.endNs]),
      [
        [RECOGNIZE_PHASES[0], 10, 30],
        [RECOGNIZE_PHASES[1], 30, 80],
        [RECOGNIZE_PHASES[2], 80, 100],
      ],
    );
    assert.equal(phases[1]!.attributes.progressEvents, 5);
  });

  test('recognize: a single event splits the call but makes no "recognizing text" phase', () => {
    const phases = recognizePhases({ firstNs: 50, lastNs: 50, count: 1, lastProgress: 0 }, 10, 100);
    assert.deepEqual(
      phases.map((phase) => phase.name),
      [RECOGNIZE_PHASES[0], RECOGNIZE_PHASES[2]],
    );
  });

  test('init: one phase per status, first to last event; events outside the call ignored', () => {
    const phases = initPhases(
      [
        event(5, 'loading tesseract core', 0),
        event(20, 'loading tesseract core', 0),
        event(25, 'loading tesseract core', 1),
        event(30, 'initializing api', 0),
        event(90, 'initializing api', 1),
        event(95, 'recognizing text', 0),
        event(200, 'initializing api', 0),
      ],
      10,
      100,
      { workerStart: true },
    );
    assert.deepEqual(
      phases.map((phase) => [phase.name, phase.startNs, phase.endNs]),
      [
        ['start worker thread (no progress events)', 10, 20],
        ['loading tesseract core', 20, 25],
        ['initializing api', 30, 90],
      ],
    );
  });
});

describe('OcrLatency on tesseract.js', () => {
  test("class API in process: tree, the caller's logger gets every event, the options object is untouched", async () => {
    const preset = new OcrLatency({ quiet: true });
    preset.start(['in-process'], repoRoot);
    const require = createRequire(path.join(repoRoot, 'package.json'));
    const { createWorker } = require('tesseract.js') as {
      createWorker: (
        langs: string,
        oem: number,
        options: object,
      ) => Promise<{ recognize(image: string): Promise<{ data: { text: string } }>; terminate(): Promise<unknown> }>;
    };
    const received: { status: string; progress: number }[] = [];
    const logger = (event: { status: string; progress: number }): void => {
      received.push(event);
    };
    const langPath = path.join(path.dirname(require.resolve('@tesseract.js-data/eng/package.json')), '4.0.0_best_int');
    const options = { langPath, gzip: true, cacheMethod: 'none', logger };
    const before = { ...options };
    let text: string;
    try {
      const worker = await createWorker('eng', 1, options);
      text = (await worker.recognize(fixture('images/hello.png'))).data.text;
      await worker.terminate();
    } finally {
      preset.finish(0);
    }
    assert.equal(text.trim(), 'Hello stagescope');
    assert.deepEqual(options, before);
    assert.equal(options.logger, logger);
    const statuses = new Set(received.map((event) => event.status));
    for (const status of ['loading tesseract core', 'initializing tesseract', 'loading language traineddata', 'initializing api', 'recognizing text']) {
      assert.ok(statuses.has(status), `the caller's logger missed "${status}"`);
    }

    const doc = preset.document!;
    const { root, children } = spanIndex(doc);
    assert.deepEqual(names(children(root)), ['createWorker', 'worker.recognize', 'worker.terminate']);
    const [createWorkerSpan, recognize] = children(root);
    assertCreateWorkerSubtree(doc, createWorkerSpan!);
    assertRecognizeSubtree(doc, recognize!);
    assert.equal(recognize!.attributes.textChars, text.length);
    assertChildrenWithinParents(doc);
  });

  test('single image (ESM) under register/ocr: same text, same logger events, same tree', async () => {
    const { plain, traced, doc, tracedStderr, plainStderr } = await plainAndTraced(example('tesseract.mjs'), ['--log']);
    assert.equal(traced, plain);
    assert.equal(plain.trim(), 'Hello stagescope');
    // the example prints each logger event; ids are random, so compare status/progress sequences
    const events = (stderr: string): string[] =>
      stderr
        .split('\n')
        .filter((line) => line.startsWith('log '))
        .map((line) => {
          const event = JSON.parse(line.slice(4)) as { status: string; progress: number };
          return `${event.status} ${event.progress}`;
        });
    assert.ok(events(plainStderr).length >= 9);
    assert.deepEqual(events(tracedStderr), events(plainStderr));
    const { root, children } = spanIndex(doc);
    assert.equal(doc.preset, 'ocr');
    assert.deepEqual(names(children(root)), ['createWorker', 'worker.recognize', 'worker.terminate']);
    assertRecognizeSubtree(doc, children(root)[1]!);
    assertChildrenWithinParents(doc);
  });

  test('scheduler with 4 workers (CJS, via the CLI): four job subtrees, each under its own addJob; the call graph is written though the script ends by itself', async () => {
    const dir = tempDir();
    const json = path.join(dir, 'run.json');
    const svg = path.join(dir, 'graph.svg');
    const script = example('tesseract-scheduler.cjs');
    const [plain, traced] = await Promise.all([runNode([script]), runCli(['run', '--preset', 'ocr', '--quiet', '--json', json, '--svg', svg, '--', script])]);
    assert.equal(plain.code, 0, plain.stderr);
    assert.equal(traced.code, 0, traced.stderr);
    assert.equal(traced.stdout, plain.stdout);
    // The report: this example's process ended before Graphviz loaded, so no picture.
    assert.doesNotMatch(traced.stderr, /not written/);
    const picture = readFileSync(svg, 'utf8');
    assert.match(picture, /<g id="node\d+" class="node">/);
    assert.match(picture, />scheduler\.addJob recognize</);
    assert.match(picture, /★ SLOWEST/);
    assert.equal(plain.stdout.split('\n').filter((line) => line !== '').length, 4);

    const doc = readRun(json);
    const { root, children, named } = spanIndex(doc);
    const top = children(root);
    assert.equal(top.filter((span) => span.name === 'createScheduler').length, 1);
    const createWorkers = top.filter((span) => span.name === 'createWorker');
    assert.equal(createWorkers.length, 4);
    for (const span of createWorkers) assertCreateWorkerSubtree(doc, span);
    assert.equal(top.filter((span) => span.name === 'scheduler.addWorker').length, 4);

    const jobs = top.filter((span) => span.name === 'scheduler.addJob recognize');
    assert.equal(jobs.length, 4);
    const workers = new Set<unknown>();
    for (const job of jobs) {
      assert.equal(job.stage, 'recognition');
      const inner = children(job);
      assert.deepEqual(names(inner), ['worker.recognize'], 'each job has exactly its own recognize call');
      assert.equal(inner[0]!.attributes.jobId, job.attributes.jobId);
      workers.add(inner[0]!.attributes.worker);
      assertRecognizeSubtree(doc, inner[0]!);
    }
    assert.equal(workers.size, 4, 'four jobs ran on four different workers');
    assert.equal(named('worker.recognize').length, 4);
    // tesseract.js's scheduler.terminate() fires each worker's terminate() from an
    // un-awaited forEach(async …) and resolves first: those children really do end a
    // few ticks after their parent. They start inside it; everything else nests.
    const [terminate] = named('scheduler.terminate');
    const fireAndForget = children(terminate!);
    assert.deepEqual(names(fireAndForget), Array(4).fill('worker.terminate'));
    for (const span of fireAndForget) assert.ok(span.startNs >= terminate!.startNs && span.startNs <= terminate!.startNs + terminate!.durationNs);
    assert.equal(named('worker.terminate').length, 4);
    assertChildrenWithinParents({ ...doc, spans: doc.spans.filter((span) => !fireAndForget.includes(span)) });
  });
});

describe('OcrLatency on PaddleOCR', () => {
  test('@gutenye/ocr-node: Ocr.create > Detection.create, Recognition.create; Ocr.detect > Detection.run, Recognition.run; same text', async () => {
    const { plain, traced, doc } = await plainAndTraced(example('guten.mjs'));
    assert.equal(traced, plain);
    assert.match(plain, /INVOICE 2024/);
    const { root, children, named } = spanIndex(doc);
    assert.deepEqual(names(children(root)), ['Ocr.create', 'Ocr.detect']);
    const [create, detect] = children(root);
    assert.equal(create!.stage, 'load');
    // Detection/Recognition live in files the package entry does not export:
    // patched when the library loads them, so even Ocr.create's first calls show.
    assert.deepEqual(names(children(create!)), ['Detection.create', 'Recognition.create']);
    const [detCreate, recCreate] = children(create!);
    assert.deepEqual(names(children(detCreate!)), ['InferenceSession.create ch_PP-OCRv4_det_infer.onnx']);
    assert.deepEqual(names(children(recCreate!)), ['InferenceSession.create ch_PP-OCRv4_rec_infer.onnx']);
    assert.deepEqual(names(children(detect!)), ['Detection.run', 'Recognition.run']);
    const [detection, recognition] = children(detect!);
    assert.equal(detection!.stage, 'detection');
    assert.equal(recognition!.stage, 'recognition');
    const detRuns = children(detection!).filter((span) => span.name === 'InferenceSession.run ch_PP-OCRv4_det_infer.onnx');
    assert.equal(detRuns.length, 1);
    assert.equal(detRuns[0]!.stage, 'detection');
    assert.equal(children(detection!).filter((span) => span.name === 'splitIntoLineImages').length, 1);
    const lineImages = detection!.attributes.lineImages;
    assert.equal(typeof lineImages, 'number');
    const recRuns = children(recognition!).filter((span) => span.name === 'InferenceSession.run ch_PP-OCRv4_rec_infer.onnx');
    assert.equal(recRuns.length, lineImages, 'one recognition run per detected line');
    assert.ok(recRuns.every((span) => span.stage === 'recognition'));
    assert.ok(named(/^sharp\./).every((span) => span.stage === 'preprocess'));
    assert.equal(detect!.attributes.lines, plain.trim().split('\n').length);
    assertChildrenWithinParents(doc);
  });

  test('PP-OCR det/cls/rec with onnxruntime-node directly: stages from the models; same text', async () => {
    const { plain, traced, doc } = await plainAndTraced(example('paddle-onnx.mjs'));
    assert.equal(traced, plain);
    const { named } = spanIndex(doc);
    const runs = named(/^InferenceSession\.run /);
    const stages = new Set(runs.map((span) => span.stage));
    assert.deepEqual([...stages].sort(), ['classification', 'detection', 'recognition']);
    assert.equal(runs.filter((span) => span.stage === 'detection').length, 1);
    const lines = plain.trim().split('\n').length;
    assert.equal(runs.filter((span) => span.stage === 'recognition').length, lines);
    assert.equal(named(/^InferenceSession\.create /).length, 3);
    assert.ok(named(/^sharp\./).length > 0);
    assertChildrenWithinParents(doc);
  });
});
