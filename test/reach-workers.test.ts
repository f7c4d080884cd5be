import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { RunDocument } from '../src/core/run-document.js';
import type { SpanRecord } from '../src/core/types.js';
import { assignLanes } from '../src/render/gantt.js';
import { assertChildrenWithinParents, fixture, readRun, repoRoot, runCli, runNode, runPlainAndTraced, spanIndex, tempDir } from './helpers.js';

const targets = fixture('targets/reach.yaml');
const script = fixture('scripts/reach/workers.mjs');

/** The worker subtrees of the workers.mjs fixture, checked the same way whatever the driver. */
function assertWorkerTree(doc: RunDocument): void {
  const index = spanIndex(doc);
  const [pipeline] = index.named('pipeline').filter((span) => span.threadId === undefined);
  assert.ok(pipeline !== undefined, "the main thread's pipeline span");
  const workers = index.children(pipeline).filter((span) => span.name.startsWith('worker '));
  assert.deepEqual(
    workers.map((span) => span.name),
    ['worker reach/quick-worker.mjs', 'worker reach/pool-worker.mjs', 'worker reach/nested-worker.mjs'],
  );
  const threadIds = new Set(workers.map((span) => span.threadId));
  assert.equal(threadIds.size, 3, 'each worker has its own thread id');
  for (const worker of workers) {
    assert.equal(typeof worker.threadId, 'number');
    assert.equal(worker.attributes.threadId, worker.threadId);
    assert.equal(worker.traceId, index.root.traceId, 'one trace: the worker joins the run');
    for (const child of index.children(worker)) assert.equal(child.threadId, worker.threadId, `${child.name} carries its worker's thread id`);
  }
  const [quick, pooled, outer] = workers as [SpanRecord, SpanRecord, SpanRecord];
  // The quick worker ended at once after three calls: every span still arrived.
  assert.deepEqual(
    index.children(quick).map((span) => span.name),
    ['infer', 'infer', 'infer'],
  );
  assert.equal(quick.status, 'ok');
  // The pooled worker was terminated while idle (no exit handler runs in it): its task is there, and
  // its span ends when the main thread saw the thread stop.
  assert.deepEqual(
    index.children(pooled).map((span) => `${span.name} ${span.status}`),
    ['inferAsync ok'],
  );
  assert.deepEqual([pooled.status, pooled.attributes.terminated, pooled.attributes.exitCode], ['ok', true, 1]);
  assert.equal(quick.attributes.terminated, undefined);
  // A worker's own worker is parented under the span current in that worker.
  const [outerPipeline] = index.children(outer);
  assert.equal(outerPipeline?.name, 'pipeline');
  const inner = index.children(outerPipeline!);
  assert.deepEqual(
    inner.map((span) => span.name),
    ['worker reach/quick-worker.mjs'],
  );
  assert.notEqual(inner[0]!.threadId, outer.threadId);
  assert.deepEqual(
    index.children(inner[0]!).map((span) => span.name),
    ['infer'],
  );
  assert.equal(doc.reach?.filter((source) => source.kind === 'worker').length, 4);
  // main: infer, pipeline; quick: 3 infer; pooled: inferAsync; outer: pipeline; inner: infer
  assert.equal(doc.wrappedCalls, 2 + 3 + 1 + 1 + 1, 'wrapped calls of every thread are counted');
  assert.equal(new Set(doc.spans.map((span) => span.id)).size, doc.spans.length, 'span ids are unique across threads');
  assertChildrenWithinParents(doc, 1_000_000);
}

describe('worker threads (reach)', () => {
  it('stagescope run: worker spans join the run under the span that created the worker; the app sees the same messages and output', async () => {
    const { traced, json } = await runPlainAndTraced(script, ['--targets', targets], 'every message the main thread received, in order, as without stagescope');
    assert.match(traced.stderr, /└─ worker reach\/nested-worker\.mjs/);
    assertWorkerTree(readRun(json));
  });

  it('node --import stagescope/register: the same', async () => {
    const json = path.join(tempDir(), 'run.json');
    const result = await runNode(['--import', path.join(repoRoot, 'build/src/register/index.js'), script], {
      env: { STAGESCOPE_TARGETS: targets, STAGESCOPE_JSON: json, STAGESCOPE_QUIET: '1' },
    });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, '');
    assertWorkerTree(readRun(json));
  });

  it("the API driver: the same, with the preset's own options in the workers", async () => {
    const json = path.join(tempDir(), 'run.json');
    const driver = path.join(tempDir(), 'driver.mjs');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(
      driver,
      `import { Preset } from ${JSON.stringify(path.join(repoRoot, 'build/src/index.js'))};\n` +
        `await new Preset('custom', [], { targets: [${JSON.stringify(targets)}], json: ${JSON.stringify(json)}, quiet: true }).run(${JSON.stringify(script)});\n`,
    );
    const result = await runNode([driver]);
    assert.equal(result.code, 0, result.stderr);
    assertWorkerTree(readRun(json));
  });

  it('span() and traced() in a worker, with no preset library and no target file: one tree, the worker under the span that created it', async () => {
    const { traced, json } = await runPlainAndTraced(fixture('scripts/reach/manual-worker.mjs'), [], "the worker's answer as without stagescope");
    assert.equal(traced.stdout, 'worker answered 42\n');
    assert.match(traced.stderr, /note: the custom preset without --targets records only span\(\)\/traced\(\) spans/);
    const index = spanIndex(readRun(json));
    const [dispatch] = index.named('dispatch');
    assert.equal(dispatch?.parentId, index.root.id);
    const [worker] = index.children(dispatch!);
    assert.equal(worker?.name, 'worker reach/manual-worker-thread.mjs');
    const [infer] = index.children(worker!);
    assert.deepEqual([infer?.name, infer?.stage, infer?.threadId], ['infer in worker', 'recognition', worker?.threadId]);
    assert.deepEqual(
      index.children(infer!).map((span) => [span.name, span.stage, span.threadId]),
      [['decode', 'postprocess', worker?.threadId]],
    );
  });

  it('worker spans kept until the run ends are bounded by --max-spans; what was dropped is counted', async () => {
    const json = path.join(tempDir(), 'run.json');
    const result = await runCli(['run', '--targets', targets, '--json', json, '--quiet', '--max-spans', '2', '--', script]);
    assert.equal(result.code, 0, result.stderr);
    const doc = readRun(json);
    const foreign = doc.spans.filter((span) => span.threadId !== undefined && !span.name.startsWith('worker '));
    assert.ok(foreign.length <= 2, `at most --max-spans worker spans kept (${foreign.length})`);
    assert.ok(doc.droppedSpans > 0);
  });

  it('a worker the app starts with eval: true, or any worker of an untraced process, prints nothing', async () => {
    const result = await runCli(['run', '--targets', targets, '--quiet', '--', fixture('scripts/reach/eval-worker.mjs')]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, 'eval worker says 42\n');
    assert.equal(result.stderr, '');
  });

  it('the onnx worker pool example: InferenceSession runs of every worker, classification stage, own thread ids', async () => {
    const example = path.join(repoRoot, 'examples/workers/pool.mjs');
    const plain = await runNode([example, '4', '2']);
    const dir = tempDir();
    const json = path.join(dir, 'run.json');
    const trace = path.join(dir, 'trace.json');
    const traced = await runCli(['run', '--preset', 'onnx', '--json', json, '--trace', trace, '--quiet', '--', example, '4', '2']);
    assert.equal(traced.code, 0, traced.stderr);
    assert.equal(traced.stdout, plain.stdout);
    assert.equal(
      plain.stdout,
      'task 0: label 0\ntask 1: label 180\ntask 2: label 0\ntask 3: label 180\n',
      "the workers' results reach the app as they would without stagescope",
    );
    const doc = readRun(json);
    const index = spanIndex(doc);
    const workers = index.children(index.root).filter((span) => span.name === 'worker workers/classify-worker.mjs');
    assert.equal(workers.length, 2);
    const runs = index.named(/^InferenceSession\.run /);
    assert.equal(runs.length, 4, "every task's run, whichever worker did it");
    for (const span of runs) {
      assert.equal(span.stage, 'classification');
      assert.ok(workers.some((worker) => worker.id === span.parentId && worker.threadId === span.threadId));
    }
    assert.equal(index.named(/^InferenceSession\.create /).length, 2);
    // Own lanes: the Perfetto trace names a track per worker, and every worker span sits on its worker's
    // track; no Gantt lane holds spans of two threads.
    const events = (JSON.parse(readFileSync(trace, 'utf8')) as { traceEvents: { ph: string; name: string; tid: number; args?: Record<string, unknown> }[] })
      .traceEvents;
    const trackName = new Map(events.filter((event) => event.name === 'thread_name').map((event) => [event.tid, String(event.args?.name)]));
    for (const worker of workers) {
      const tracks = new Set(events.filter((event) => event.ph === 'X' && event.args?.threadId === worker.threadId).map((event) => event.tid));
      assert.ok(tracks.size >= 1);
      for (const tid of tracks) assert.match(trackName.get(tid) ?? '', new RegExp(`^worker ${worker.threadId}: `));
    }
    const threadsOfRow = new Map<number, Set<string>>();
    for (const { span, row } of assignLanes(doc).bars) threadsOfRow.set(row, (threadsOfRow.get(row) ?? new Set()).add(String(span.threadId)));
    for (const [row, threads] of threadsOfRow) assert.equal(threads.size, 1, `Gantt lane ${row} mixes threads ${[...threads].join(', ')}`);
  });

  it("the API driver's model rules reach the workers: every worker's runs get the rule's stage", async () => {
    const example = path.join(repoRoot, 'examples/workers/pool.mjs');
    const json = path.join(tempDir(), 'run.json');
    const driver = path.join(tempDir(), 'driver.mjs');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(
      driver,
      `import { OnnxLatency } from ${JSON.stringify(path.join(repoRoot, 'build/src/index.js'))};\n` +
        `const models = [{ match: '*_cls_infer.onnx', stage: 'postprocess' }];\n` +
        `await new OnnxLatency({ models, json: ${JSON.stringify(json)}, quiet: true }).run(${JSON.stringify(example)}, ['2', '2']);\n`,
    );
    const result = await runNode([driver]);
    assert.equal(result.code, 0, result.stderr);
    const index = spanIndex(readRun(json));
    const runs = index.named(/^InferenceSession\.run /);
    assert.equal(runs.length, 2);
    for (const span of runs) {
      assert.ok(span.threadId !== undefined && span.threadId > 0, 'ran in a worker');
      assert.equal(span.stage, 'postprocess', "the run's rule, not the built-in guess (classification)");
    }
  });
});
