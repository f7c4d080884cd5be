import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { RunDocument } from '../src/core/run-document.js';
import type { SpanRecord } from '../src/core/types.js';
import { assertChildrenWithinParents, readRun, repoRoot, runCli, runNode, spanIndex, tempDir, type ProcessResult } from './helpers.js';

const register = path.join(repoRoot, 'build/src/register/sharp.js');
const esmScript = path.join(repoRoot, 'examples/sharp/thumbnails.mjs');
const cjsScript = path.join(repoRoot, 'examples/sharp/thumbnails.cjs');

/** The tree without times: name, stage, depth, in start order. */
function shape(doc: RunDocument): string[] {
  const { root, children } = spanIndex(doc);
  const lines: string[] = [];
  const walk = (span: SpanRecord, depth: number): void => {
    lines.push(`${'  '.repeat(depth)}${span.name} [${span.stage ?? '-'}] ${span.status}`);
    for (const child of children(span)) walk(child, depth + 1);
  };
  walk(root, 0);
  return lines;
}

function sharpSpans(doc: RunDocument): SpanRecord[] {
  return doc.spans.filter((span) => span.name.startsWith('sharp.')).sort((a, b) => a.startNs - b.startNs);
}

describe('SharpLatency', () => {
  it('a built-in hook named in a target file of the custom preset labels its spans: no preset class needs to be loaded', async () => {
    const dir = tempDir();
    const targets = path.join(dir, 'targets.json');
    writeFileSync(
      targets,
      JSON.stringify({
        targets: [{ module: 'sharp', export: 'default.prototype._pipeline', name: 'sharp.pipeline', stage: 'preprocess', hook: 'sharp.pipeline' }],
      }),
    );
    const json = path.join(dir, 'run.json');
    const image = JSON.stringify(path.join(repoRoot, 'test/fixtures/images/hello.png'));
    const result = await runNode(
      ['--import', 'stagescope/register', '--input-type=module', '-e', `import sharp from 'sharp'; await sharp(${image}).resize(10, 10).raw().toBuffer();`],
      {
        env: { STAGESCOPE_TARGETS: targets, STAGESCOPE_JSON: json, STAGESCOPE_QUIET: '1' },
      },
    );
    assert.equal(result.code, 0, result.stderr);
    assert.doesNotMatch(result.stderr, /SS_TARGET_HOOK_UNKNOWN|not a known hook/);
    const doc = readRun(json);
    assert.equal(doc.preset, 'custom');
    const [span, ...others] = sharpSpans(doc);
    assert.deepEqual(others, []);
    assert.equal(span?.name, 'sharp.toBuffer resize raw', 'named by the hook from the queued operations');
    assert.equal(span?.attributes.resizeWidth, 10);
  });

  it('traces the ESM and the CJS build of sharp 0.35 into the same tree, output unchanged', async () => {
    const dir = tempDir();
    const plainEsm = await runNode([esmScript]);
    assert.equal(plainEsm.code, 0, plainEsm.stderr);
    const [esm, cjs] = await Promise.all([
      runCli(['run', '--preset', 'sharp', '--quiet', '--json', path.join(dir, 'esm.json'), '--', esmScript]),
      runNode(['--import', register, cjsScript], { env: { STAGESCOPE_JSON: path.join(dir, 'cjs.json'), STAGESCOPE_QUIET: '1' } }),
    ]);
    assert.equal(esm.code, 0, esm.stderr);
    assert.equal(cjs.code, 0, cjs.stderr);
    assert.equal(esm.stdout, plainEsm.stdout, 'same output as the uninstrumented ESM run');
    assert.equal(cjs.stdout, plainEsm.stdout, 'the CJS script prints the same as the ESM one');
    const esmDoc = readRun(path.join(dir, 'esm.json'));
    const cjsDoc = readRun(path.join(dir, 'cjs.json'));
    assert.equal(esmDoc.preset, 'sharp');
    assert.deepEqual(shape(cjsDoc), shape(esmDoc));
    assertChildrenWithinParents(esmDoc);
    assertChildrenWithinParents(cjsDoc);

    // ESM build and CJS build: different files, both patched.
    const dual = await runNode(
      [
        '--import',
        register,
        '--input-type=module',
        '-e',
        [
          `import { createRequire } from 'node:module';`,
          `import esm from 'sharp';`,
          `const cjs = createRequire(${JSON.stringify(path.join(repoRoot, 'package.json'))})('sharp');`,
          `const img = ${JSON.stringify(path.join(repoRoot, 'test/fixtures/images/hello.png'))};`,
          `console.log(esm.prototype === cjs.prototype ? 'same' : 'different');`,
          `await esm(img).resize(10, 10).raw().toBuffer();`,
          `await cjs(img).resize(20, 20).raw().toBuffer();`,
          `await esm(img).resize(6).png().toUint8Array();`,
        ].join('\n'),
      ],
      { env: { STAGESCOPE_JSON: path.join(dir, 'dual.json'), STAGESCOPE_QUIET: '1' } },
    );
    assert.equal(dual.code, 0, dual.stderr);
    assert.equal(dual.stdout.trim(), 'different', 'sharp 0.35 really has two prototypes');
    assert.deepEqual(
      sharpSpans(readRun(path.join(dir, 'dual.json'))).map((span) => span.name),
      ['sharp.toBuffer resize raw', 'sharp.toBuffer resize raw', 'sharp.toUint8Array resize png'],
    );
  });

  it('names every pipeline after its operations and records them as attributes', async () => {
    const dir = tempDir();
    // The one-line driver: the class API.
    const result = await runNode([path.join(repoRoot, 'examples/sharp/thumbnails.driver.mjs')]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /● run .*wrapped calls/);
    assert.match(result.stderr, /sharp\.toBuffer resize greyscale raw \[preprocess\]/);
    const doc = await runAndRead(esmScript, dir);
    const spans = sharpSpans(doc);
    const names = spans.map((span) => span.name);
    assert.deepEqual(names.slice(0, 7), [
      'sharp.metadata',
      'sharp.toBuffer resize greyscale raw',
      'sharp.toBuffer extract png',
      'sharp.toFile resize',
      'sharp.toBuffer rotate(180) flop raw',
      'sharp.stream resize jpeg',
      'sharp.stats',
    ]);
    assert.equal(spans.length, 14, 'two images, seven pipelines each');
    for (const span of spans) {
      assert.equal(span.stage, 'preprocess');
      assert.equal(span.status, 'ok');
      assert.equal(span.parentId, spanIndex(doc).root.id);
    }
    const [metadata, modelInput, strip, thumbnail, rotated, stream, stats] = spans as [
      SpanRecord,
      SpanRecord,
      SpanRecord,
      SpanRecord,
      SpanRecord,
      SpanRecord,
      SpanRecord,
    ];
    assert.deepEqual(
      { input: metadata.attributes.input, inputFile: metadata.attributes.inputFile, outputSize: metadata.attributes.outputSize },
      { input: 'file', inputFile: 'hello.png', outputSize: '400x80' },
    );
    assert.equal(typeof metadata.attributes.inputBytes, 'number');
    assert.deepEqual(pick(modelInput.attributes, ['output', 'resizeWidth', 'resizeHeight', 'kernel', 'fit', 'greyscale', 'format', 'outputBytes']), {
      output: 'toBuffer',
      resizeWidth: 192,
      resizeHeight: 48,
      kernel: 'lanczos3',
      fit: 'fill',
      greyscale: true,
      format: 'raw',
      outputBytes: 192 * 48,
    });
    assert.deepEqual(pick(strip.attributes, ['extract', 'format', 'outputSize']), { extract: '0,0,400x20', format: 'png', outputSize: '400x20' });
    assert.deepEqual(pick(thumbnail.attributes, ['output', 'outputFile', 'outputSize', 'outputFormat']), {
      output: 'toFile',
      outputFile: 'hello-thumb.png',
      outputSize: '128x26',
      outputFormat: 'png',
    });
    // callback style: the span lasts until sharp calls back, not until toBuffer returns
    assert.deepEqual(pick(rotated.attributes, ['rotateDegrees', 'flop', 'format', 'outputSize']), {
      rotateDegrees: 180,
      flop: true,
      format: 'raw',
      outputSize: '400x80',
    });
    assert.equal(rotated.attributes.pending, undefined);
    // stream output: ends at sharp's 'info' event, input size known by then
    assert.deepEqual(pick(stream.attributes, ['output', 'input', 'inputBytes', 'format', 'outputSize']), {
      output: 'stream',
      input: 'stream',
      inputBytes: metadata.attributes.inputBytes,
      format: 'jpeg',
      outputSize: '256x51',
    });
    assert.equal(stream.attributes.pending, undefined);
    assert.equal(stats.attributes.inputFile, 'hello.png');
  });

  it('records failures without changing them (promise, callback, stream)', async () => {
    const dir = tempDir();
    const { plain, spans } = await plainAndTraced(dir, [
      `const missing = ${JSON.stringify(path.join(dir, 'missing.png'))};`,
      `await sharp(missing).resize(4).toBuffer().catch((e) => console.log('promise', e.message));`,
      `await new Promise((r) => sharp(missing).toBuffer((e, data) => { console.log('callback', e.message, data); r(); }));`,
      `await new Promise((r) => sharp(missing).resize(2).png().on('error', (e) => { console.log('stream', e.message); r(); }).resume());`,
    ]);
    assert.match(plain.stdout, /promise .*\ncallback .*undefined\nstream /);
    assert.deepEqual(
      spans.map((span) => [span.name, span.status]),
      [
        ['sharp.toBuffer resize', 'error'],
        ['sharp.toBuffer', 'error'],
        ['sharp.stream resize png', 'error'],
      ],
    );
  });

  it('names a stream input a stream, whether or not the stream has ended when the pipeline starts', async () => {
    // sharp joins the chunks of an ended input stream into one buffer inside
    // _pipeline; the span is named after _pipeline has run, from what the input was before.
    const { plain, spans } = await plainAndTraced(tempDir(), [
      `import { once } from 'node:events';`,
      `import { readFileSync } from 'node:fs';`,
      `const png = readFileSync(${JSON.stringify(path.join(repoRoot, 'test/fixtures/images/hello.png'))});`,
      `const ended = sharp();`,
      `ended.end(png);`,
      `await once(ended, 'finish');`,
      `console.log('ended first', ended.writableFinished, (await ended.resize(8).raw().toBuffer()).length);`,
      `const open = sharp();`,
      `const pending = open.resize(6).raw().toBuffer();`,
      `open.end(png);`,
      `console.log('ended later', (await pending).length);`,
      `console.log('buffer', (await sharp(png).resize(4).raw().toBuffer()).length);`,
    ]);
    assert.match(plain.stdout, /^ended first true /, 'the first stream had ended before toBuffer');
    assert.deepEqual(
      spans.map((span) => [span.name, span.attributes.input, span.attributes.inputBytes === undefined ? 'no size' : 'size']),
      [
        ['sharp.toBuffer resize raw', 'stream', 'no size'],
        ['sharp.toBuffer resize raw', 'stream', 'no size'],
        ['sharp.toBuffer resize raw', 'buffer', 'size'],
      ],
    );
  });

  it('patches the sharp 0.33 copy that @gutenye/ocr-node brings', async (t) => {
    const nested = path.join(repoRoot, 'node_modules/@gutenye/ocr-node/node_modules/sharp/package.json');
    if (!existsSync(nested)) {
      t.skip('no nested sharp under @gutenye/ocr-node (npm deduplicated it)');
      return;
    }
    const dir = tempDir();
    const script = path.join(dir, 'old.cjs');
    writeFileSync(
      script,
      [
        `const { createRequire } = require('node:module');`,
        `const sharp = createRequire(${JSON.stringify(nested)})('sharp');`,
        `const img = ${JSON.stringify(path.join(repoRoot, 'test/fixtures/images/receipt.png'))};`,
        `(async () => {`,
        `  console.log(createRequire(${JSON.stringify(nested)})('sharp/package.json').version);`,
        `  await sharp(img).metadata();`,
        `  await sharp(img).extract({ left: 0, top: 0, width: 96, height: 24 }).resize(192, 48).raw().toBuffer();`,
        `  await new Promise((r) => sharp(img).rotate(90).toBuffer(r));`,
        `})();`,
      ].join('\n'),
    );
    const result = await runNode(['--import', register, script], { env: { STAGESCOPE_JSON: path.join(dir, 'run.json'), STAGESCOPE_QUIET: '1' } });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^0\.33\./);
    assert.deepEqual(
      sharpSpans(readRun(path.join(dir, 'run.json'))).map((span) => span.name),
      ['sharp.metadata', 'sharp.toBuffer extract resize raw', 'sharp.toBuffer rotate(90)'],
    );
  });
});

/**
 * An ESM script of `lines` (with `sharp` from the package's own dependency, as
 * a user's would be) run plain and under the register entry: same exit code
 * and output, and the traced run's sharp spans.
 */
async function plainAndTraced(dir: string, lines: string[]): Promise<{ plain: ProcessResult; spans: SpanRecord[] }> {
  const script = path.join(dir, 'script.mjs');
  const sharpImport = [
    `import { createRequire } from 'node:module';`,
    `const sharp = createRequire(${JSON.stringify(path.join(repoRoot, 'package.json'))})('sharp');`,
  ];
  const imports = lines.filter((line) => line.startsWith('import '));
  writeFileSync(script, [...imports, ...sharpImport, ...lines.filter((line) => !line.startsWith('import '))].join('\n'));
  const json = path.join(dir, 'run.json');
  const plain = await runNode([script]);
  const traced = await runNode(['--import', register, script], { env: { STAGESCOPE_JSON: json, STAGESCOPE_QUIET: '1' } });
  assert.equal(traced.code, plain.code, traced.stderr);
  assert.equal(traced.stdout, plain.stdout, 'the traced run prints what the plain one does');
  return { plain, spans: sharpSpans(readRun(json)) };
}

async function runAndRead(script: string, dir: string): Promise<RunDocument> {
  const json = path.join(dir, `${path.basename(script)}.json`);
  const result = await runCli(['run', '--preset', 'sharp', '--quiet', '--json', json, '--', script]);
  assert.equal(result.code, 0, result.stderr);
  return readRun(json);
}

function pick(attributes: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(keys.filter((key) => attributes[key] !== undefined).map((key) => [key, attributes[key]]));
}
