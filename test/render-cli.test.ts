import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { renderTextTree } from '../src/render/text-tree.js';
import { fixture, runCli, runNode, tempDir } from './helpers.js';
import { assertGolden, ocrRun } from './render-helpers.js';
import { parseXml } from './xml-check.js';

const utcClock = (wallMs: number): string => new Date(wallMs).toISOString().slice(11, 23);

describe('text tree: compact mode', () => {
  it('folds 3+ same-named siblings into one line with count, total, p50 and max (golden)', () => {
    const text = renderTextTree(ocrRun(), { compact: true, formatClock: utcClock });
    assertGolden('ocr-run.compact.txt', text);
    assert.match(text, /├─ InferenceSession\.run rec\.onnx \[recognition\] × 4, total 134\.0 ms, p50 31\.0 ms, max 40\.0 ms\n/);
    assert.match(text, /└─ tesseract worker\.recognize \[recognition\] × 3, total 121\.0 ms, p50 44\.0 ms, max 52\.0 ms, 1 failed\n/);
    // Two siblings of one name are not folded.
    assert.doesNotMatch(text, /Conv.*×/);
    assert.equal(renderTextTree(ocrRun(), { formatClock: utcClock }).split('\n').length, ocrRun().spans.length + 1, 'off by default');
  });

  it('says how many child spans a folded group hides', () => {
    const doc = ocrRun();
    // Give every rec run an op child.
    for (const span of doc.spans.filter((entry) => entry.name === 'InferenceSession.run rec.onnx')) {
      doc.spans.push({ ...span, id: `op${span.id}`, parentId: span.id, name: 'Conv', durationNs: 1e6, selfNs: 1e6 });
    }
    assert.match(renderTextTree(doc, { compact: true, formatClock: utcClock }), /rec\.onnx \[recognition\] × 4, .*max 40\.0 ms  \(4 child spans folded\)\n/);
  });
});

describe('stagescope render', () => {
  it('re-draws a saved run: call graph, Gantt, trace and the compact tree', async () => {
    const dir = tempDir();
    const files = { svg: path.join(dir, 'g.svg'), gantt: path.join(dir, 't.svg'), trace: path.join(dir, 't.json') };
    const result = await runCli(['render', fixture('runs/ocr-run.json'), '--svg', files.svg, '--gantt', files.gantt, '--trace', files.trace, '--compact']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /● run \(600\.0 ms\)/);
    assert.match(result.stdout, /InferenceSession\.run rec\.onnx \[recognition\] × 4/);
    assert.equal(
      result.stderr,
      [
        `stagescope: call graph written to ${files.svg}`,
        `stagescope: Gantt chart written to ${files.gantt}`,
        `stagescope: trace (Perfetto/chrome://tracing/speedscope) written to ${files.trace}`,
        '',
      ].join('\n'),
    );
    parseXml(readFileSync(files.svg, 'utf8'));
    parseXml(readFileSync(files.gantt, 'utf8'));
    assert.ok(Array.isArray((JSON.parse(readFileSync(files.trace, 'utf8')) as { traceEvents: unknown[] }).traceEvents));
  });

  it('draws a minimal hand-written run document (only format and span id, name, startNs, durationNs)', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'minimal.json');
    writeFileSync(
      file,
      JSON.stringify({
        format: 'stagescope.run/1',
        spans: [
          { id: '1', name: 'run', startNs: 0, durationNs: 2e6 },
          { id: '2', parentId: '1', name: 'step', startNs: 1e5, durationNs: 1e6 },
        ],
      }),
    );
    const files = { svg: path.join(dir, 'g.svg'), gantt: path.join(dir, 't.svg'), trace: path.join(dir, 't.json') };
    const result = await runCli(['render', file, '--svg', files.svg, '--gantt', files.gantt, '--trace', files.trace, '--tree']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /● run \(2\.0 ms\) {2}\[OH 0 ns, 0 wrapped calls\]\n.*└─ step \(1\.0 ms\)\n/);
    assert.match(readFileSync(files.svg, 'utf8'), /self 1\.0 ms \(50%\)/, 'self time recomputed');
    parseXml(readFileSync(files.gantt, 'utf8'));
    JSON.parse(readFileSync(files.trace, 'utf8'));
  });

  it('prints the tree when no file is asked for', async () => {
    const result = await runCli(['render', fixture('runs/ocr-run.json')]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout.split('\n').length, ocrRun().spans.length + 1);
  });

  it('bad input: a clear message naming the file, exit 2', async () => {
    const dir = tempDir();
    const notJson = path.join(dir, 'not-json.json');
    writeFileSync(notJson, '{ nope');
    const notRun = path.join(dir, 'not-run.json');
    writeFileSync(notRun, JSON.stringify({ format: 'something/else', spans: [] }));
    const badSpan = path.join(dir, 'bad-span.json');
    writeFileSync(badSpan, JSON.stringify({ format: 'stagescope.run/1', spans: [{ id: 1 }] }));
    const cases: [string[], RegExp][] = [
      [[path.join(dir, 'missing.json')], /^stagescope: .*missing\.json: no such file/],
      [[notJson], /^stagescope: .*not-json\.json: not JSON \(/],
      [[notRun], /^stagescope: .*not-run\.json: not a stagescope run document \(format is "something\/else", expected "stagescope\.run\/1"\)/],
      [[badSpan], /^stagescope: .*bad-span\.json: spans\[0\] needs string id and name/],
      [[], /^stagescope: no run document given/],
      [[fixture('runs/ocr-run.json'), '--bogus'], /^stagescope: Unknown option '--bogus'/],
    ];
    for (const [args, message] of cases) {
      const result = await runCli(['render', ...args]);
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, message);
      assert.equal(result.stdout, '');
    }
  });

  it('a file that cannot be written is reported and the exit code says so', async () => {
    const result = await runCli(['render', fixture('runs/ocr-run.json'), '--gantt', path.join(tempDir(), 'no-such-dir', 'g.svg')]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /stagescope: error: could not write the Gantt chart to .*no-such-dir\/g\.svg: ENOENT/);
  });
});

describe('pictures from a traced run', () => {
  it('Preset options svg/gantt/trace/compact and saveSvg/saveGantt/saveTrace write the pictures', async () => {
    const dir = tempDir();
    const result = await runNode([fixture('scripts/render-driver.mjs'), dir]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /worker\.recognize \[recognition\] × 6/);
    assert.match(result.stdout, /error: .*could not write the call graph to .*no-such-dir\/x\.svg/);
    for (const name of ['option.svg', 'option-gantt.svg', 'api.svg', 'api-gantt.svg']) parseXml(readFileSync(path.join(dir, name), 'utf8'));
    for (const name of ['option-trace.json', 'api-trace.json']) JSON.parse(readFileSync(path.join(dir, name), 'utf8'));
    assert.match(readFileSync(path.join(dir, 'api-gantt.svg'), 'utf8'), /<svg [^>]*width="800"/);
  });

  it('process.exit: every picture is written (the CLI draws the call graph from the run document)', async () => {
    const dir = tempDir();
    const files = { svg: path.join(dir, 'g.svg'), gantt: path.join(dir, 't.svg'), trace: path.join(dir, 't.json') };
    const result = await runCli([
      'run',
      '--targets',
      fixture('targets/fake.yaml'),
      '--svg',
      files.svg,
      '--gantt',
      files.gantt,
      '--trace',
      files.trace,
      '--',
      fixture('scripts/process-exit.cjs'),
    ]);
    assert.equal(result.code, 4);
    assert.doesNotMatch(result.stderr, /not written/);
    assert.match(result.stderr, /stagescope: call graph written to .*g\.svg/);
    parseXml(readFileSync(files.svg, 'utf8'));
    parseXml(readFileSync(files.gantt, 'utf8'));
    JSON.parse(readFileSync(files.trace, 'utf8'));
  });
});
