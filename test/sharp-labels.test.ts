import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, it } from 'node:test';
import type SharpModule from 'sharp';
import { runDeferred } from '../src/core/deferred.js';
import { takeDiagnostics } from '../src/core/diagnostics.js';
import { isSharedAttributes, type Span } from '../src/core/span.js';
import { Tracer } from '../src/core/tracer.js';
import { getTargetHook } from '../src/instrument/hook-registry.js';
import { HookScope } from '../src/instrument/hook-scope.js';
import { wrapFunction, type WrapSpec } from '../src/instrument/wrap.js';
import { sharpPipelinesDescribed } from '../src/presets/sharp/sharp-hooks.js';
import { readRun, repoRoot, runNode, tempDir } from './helpers.js';

// The `sharp.pipeline` hook keeps the labels of pipelines it has seen and gives
// a call whose options are all the same the same name and a copy of the same
// attributes (issue "Cost of observation"). These tests pin that a call always
// gets what its own options give, whatever the hook saw before.

const sharp = createRequire(path.join(repoRoot, 'package.json'))('sharp') as typeof SharpModule;
type SharpInstance = ReturnType<typeof SharpModule>;
/** sharp's queued options, what `_pipeline` hands to libvips (not in sharp's types). */
const optionsOf = (instance: SharpInstance): Record<string, unknown> => (instance as unknown as { options: Record<string, unknown> }).options;

const hello = path.join(repoRoot, 'test/fixtures/images/hello.png');
const receipt = path.join(repoRoot, 'test/fixtures/images/receipt.png');

/** Options objects of real sharp instances, as `_pipeline` would see them (no libvips call is made). */
function variedOptions(): Record<string, unknown>[] {
  const png = readFileSync(hello);
  const pipelines: SharpInstance[] = [
    sharp(hello).resize(32, 32).raw(),
    sharp(hello).resize(48, 32).raw(),
    sharp(hello).resize(32).raw(),
    sharp(hello).resize(32, 32, { fit: 'contain' }).raw(),
    sharp(hello).resize(32, 32, { kernel: 'nearest' }).raw(),
    sharp(receipt).resize(32, 32).raw(),
    sharp(png).resize(32, 32).raw(),
    sharp(png.subarray(0, png.length - 1))
      .resize(32, 32)
      .raw(),
    sharp(hello).extract({ left: 0, top: 0, width: 10, height: 10 }).raw(),
    sharp(hello).extract({ left: 1, top: 0, width: 10, height: 10 }).raw(),
    sharp(hello).extract({ left: 0, top: 0, width: 20, height: 10 }).resize(8, 4).extract({ left: 0, top: 0, width: 4, height: 4 }).png(),
    sharp(hello).rotate(90).raw(),
    sharp(hello).rotate(180).raw(),
    sharp(hello).rotate().raw(),
    sharp(hello).flip().flop().raw(),
    sharp(hello).greyscale().raw(),
    sharp(hello).negate().normalise().raw(),
    sharp(hello).blur(1).raw(),
    sharp(hello).blur(2).raw(),
    sharp(hello).sharpen().median(3).raw(),
    sharp(hello).threshold(100).gamma(2.2).raw(),
    sharp(hello).removeAlpha().ensureAlpha().raw(),
    sharp(hello).extractChannel(0).raw(),
    sharp(hello).extractChannel(1).raw(),
    sharp(hello).extend(2).raw(),
    sharp(hello).extend({ top: 2, bottom: 1 }).raw(),
    sharp(hello).trim().png(),
    sharp(hello).flatten().jpeg(),
    sharp(hello)
      .composite([{ input: hello }])
      .png(),
    sharp(hello)
      .composite([{ input: hello }, { input: hello }])
      .png(),
    sharp(hello).toColourspace('b-w').raw(),
    sharp(hello).resize(32, 32).png(),
    sharp(hello).resize(32, 32).jpeg(),
    sharp(hello).resize(32, 32),
    sharp(hello),
    sharp(png, { raw: { width: 10, height: 10, channels: 3 } })
      .resize(4, 4)
      .raw(),
    sharp({ create: { width: 8, height: 8, channels: 3, background: '#000' } }).png(),
    sharp({ text: { text: 'a' } }).png(),
    sharp([hello, hello], { join: { across: 2 } }).png(),
  ];
  const options = pipelines.map(optionsOf);
  // Output fields toFile/toUint8Array/stream set just before `_pipeline`.
  options.push({ ...optionsOf(sharp(hello).resize(32, 32).png()), fileOut: '/tmp/a/out.png' });
  options.push({ ...optionsOf(sharp(hello).resize(32, 32).png()), fileOut: '/tmp/b/other.png' });
  options.push({ ...optionsOf(sharp(hello).resize(32, 32).png()), typedArrayOut: true });
  options.push({ ...optionsOf(sharp(hello).resize(32, 32).png()), streamOut: true });
  options.push({ ...optionsOf(sharp(hello).resize(32, 32).png()), width: Number.NaN });
  options.push({ ...optionsOf(sharp(hello).resize(32, 32).png()), gamma: -0 });
  return options;
}

function pipelineSpec(scope?: HookScope): WrapSpec {
  return {
    scope,
    name: 'sharp.pipeline',
    stage: 'preprocess',
    target: 'sharp#default.prototype._pipeline',
    record: true,
    callback: false,
    hook: getTargetHook('sharp.pipeline'),
    onResult: undefined,
    switch: { enabled: true },
  };
}

/** A wrapped stand-in for `Sharp.prototype._pipeline`: resolves to a buffer sized by the options (so outputBytes varies). */
function tracedPipeline(tracer: Tracer, scope?: HookScope): (this: { options: Record<string, unknown> }, callback?: () => void) => Promise<Buffer> {
  return wrapFunction(
    function (this: { options: Record<string, unknown> }): Promise<Buffer> {
      const width = this.options.width;
      return Promise.resolve(Buffer.alloc(typeof width === 'number' && width > 0 ? width : 1));
    },
    pipelineSpec(scope),
    tracer,
  );
}

interface Label {
  name: string;
  /** JSON, so key order counts too. */
  attributes: string;
}

function labelOf(span: Span): Label {
  return { name: span.name, attributes: JSON.stringify(span.attributes) };
}

/** What one call with these options is labelled as by a hook that has seen nothing before. */
async function freshLabel(options: Record<string, unknown>, callback?: () => void): Promise<Label> {
  const tracer = new Tracer();
  await tracedPipeline(tracer).call({ options }, callback);
  const [span] = tracer.recorder.spans();
  assert.ok(span !== undefined);
  return labelOf(span);
}

describe('sharp.pipeline labels', () => {
  it('gives a repeated pipeline one name, and the calls that repeat it exactly one shared attributes object', async () => {
    const tracer = new Tracer();
    const pipeline = tracedPipeline(tracer);
    await pipeline.call({ options: optionsOf(sharp(hello).resize(32, 32).raw()) });
    await pipeline.call({ options: optionsOf(sharp(hello).resize(48, 16).raw()) });
    await pipeline.call({ options: optionsOf(sharp(hello).resize(32, 32).raw()) });
    await pipeline.call({ options: optionsOf(sharp(hello).resize(32, 32).raw()) });
    const [first, second, third, fourth] = tracer.recorder.spans();
    assert.ok(first !== undefined && second !== undefined && third !== undefined && fourth !== undefined);
    assert.deepEqual(
      [first, second, third].map((span) => span.name),
      ['sharp.toBuffer resize raw', 'sharp.toBuffer resize raw', 'sharp.toBuffer resize raw'],
    );
    assert.deepEqual(
      [first, second, third].map((span) => [span.attributes?.resizeWidth, span.attributes?.resizeHeight, span.attributes?.ops, span.attributes?.outputBytes]),
      [
        [32, 32, 'resize(32x32) raw', 32],
        [48, 16, 'resize(48x16) raw', 48],
        [32, 32, 'resize(32x32) raw', 32],
      ],
    );
    // The described call has its own object; the exact repeats share one,
    // with the output size (Span.setAttribute copies it before a change).
    assert.notEqual(first.attributes, third.attributes);
    assert.deepEqual(first.attributes, third.attributes);
    assert.equal(fourth.attributes, third.attributes, 'an exact repeat shares the attributes');
    assert.ok(isSharedAttributes(third.attributes));
    assert.ok(!isSharedAttributes(second.attributes), 'another geometry: its own object');
    fourth.setAttribute('late', true);
    assert.equal(third.attributes?.late, undefined, 'a late attribute on one span never shows on another');
    assert.equal(fourth.attributes?.late, true);
  });

  it('describes a pipeline once per geometry shape: cropping every line of a page reuses one label, each crop with its own values', async () => {
    const tracer = new Tracer();
    const scope = new HookScope(tracer);
    const pipeline = tracedPipeline(tracer, scope);
    const png = readFileSync(receipt);
    // What an OCR pipeline does: crop each detected line, resize it to the model's height, raw pixels.
    const crops = Array.from({ length: 40 }, (_, line) =>
      optionsOf(
        sharp(line % 2 === 0 ? receipt : png)
          .extract({ left: line % 7, top: 12 * line, width: 100 + line, height: 12 + (line % 3) })
          .resize(Math.round(((100 + line) * 48) / 12), 48)
          .extend({ right: line % 4 === 0 ? 0 : line })
          .raw(),
      ),
    );
    for (const options of crops) await pipeline.call({ options });
    const spans = tracer.recorder.spans();
    for (const [index, span] of spans.entries()) {
      assert.deepEqual(labelOf(span), await freshLabel(crops[index]!), `crop ${index}`);
    }
    assert.equal(new Set(spans.map((span) => span.attributes?.ops)).size, crops.length, 'every crop has its own ops text');
    // One description per shape: a file with and without the extend (every fourth line has none), a buffer with it.
    assert.equal(sharpPipelinesDescribed(scope), 3);
    await pipeline.call({ options: optionsOf(sharp(png).extract({ left: 0, top: 0, width: 10, height: 10 }).raw()) });
    assert.equal(sharpPipelinesDescribed(scope), 4, 'no resize: another shape, described');
  });

  it('a hook that cannot read the options reports it and leaves the call alone', async () => {
    const tracer = new Tracer();
    takeDiagnostics();
    const pipeline = wrapFunction(async (): Promise<string> => 'done', pipelineSpec(), tracer);
    // A `this` whose options getter throws: sharp's own code would not read it here.
    const self = Object.defineProperty({}, 'options', {
      get() {
        throw new Error('no options here');
      },
    });
    assert.equal(await pipeline.call(self), 'done');
    const diagnostics = takeDiagnostics().map((diagnostic) => `${diagnostic.code} ${diagnostic.message}`);
    const [span] = tracer.recorder.spans();
    assert.equal(span?.name, 'sharp.pipeline', 'not labelled: the target keeps its name');
    assert.equal(span?.status, 'ok');
    assert.ok(
      diagnostics.some((line) => line.startsWith('SS_HOOK_FAILED') && line.includes('could not read the options')),
      diagnostics.join('\n'),
    );
  });

  it('names autoOrient, also as sharp 0.35 keeps it (input.autoOrient, from autoOrient() or rotate() without an angle)', async () => {
    for (const pipeline of [sharp(hello).autoOrient().raw(), sharp(hello).rotate().raw()]) {
      const label = await freshLabel(optionsOf(pipeline));
      assert.match(label.name, /\bautoOrient\b/, label.name);
      assert.equal((JSON.parse(label.attributes) as Record<string, unknown>).autoOrient, true);
    }
    const plain = await freshLabel(optionsOf(sharp(hello).raw()));
    assert.doesNotMatch(plain.name, /autoOrient/);
  });

  it('names the input of create, text and join pipelines (sharp 0.35 keeps them in createWidth, textValue and options.join)', async () => {
    const cases: [SharpInstance, string][] = [
      [sharp({ create: { width: 8, height: 8, channels: 3, background: '#000' } }).png(), 'create'],
      [sharp({ text: { text: 'a' } }).png(), 'text'],
      [sharp([hello, hello], { join: { across: 2 } }).png(), 'join'],
    ];
    for (const [pipeline, input] of cases) {
      const label = await freshLabel(optionsOf(pipeline));
      assert.equal((JSON.parse(label.attributes) as Record<string, unknown>).input, input, label.attributes);
    }
  });

  it('never gives one call the attributes of another, in any order of pipelines', async () => {
    const options = variedOptions();
    const expected: Label[] = [];
    for (const each of options) expected.push(await freshLabel(each));
    // All differ but one pair, whose options differ only where the label does
    // not look (gamma -0 vs 0): equal labels from unequal values must come out
    // right too. (A `create` and a `text` input looked alike until the hook
    // read sharp 0.35's `createWidth` and `textValue`; `rotate()` without an
    // angle looked like no rotation until it read `input.autoOrient`.)
    assert.equal(new Set(expected.map((label) => label.attributes)).size, options.length - 1);

    const tracer = new Tracer();
    const pipeline = tracedPipeline(tracer);
    // In order, backwards, and each one repeated next to a neighbour: the
    // hook's remembered pipelines are hit and replaced in many combinations.
    const order: number[] = [];
    for (let i = 0; i < options.length; i++) order.push(i);
    for (let i = options.length - 1; i >= 0; i--) order.push(i);
    for (let i = 0; i < options.length; i++) order.push(i, (i + 1) % options.length, i, i);
    for (const index of order) {
      await pipeline.call({ options: options[index]! });
      // What happens to a span after labelling (a late attribute) stays on that span.
      const spans = tracer.recorder.spans();
      const last = spans[spans.length - 1]!;
      last.setAttribute('late', index);
      assert.equal(last.attributes?.late, index);
    }
    const spans = tracer.recorder.spans();
    assert.equal(spans.length, order.length);
    let shared = 0;
    order.forEach((index, call) => {
      const span = spans[call]!;
      // The late attribute reaches the recorder through a span's own object, never through a shared one.
      if (isSharedAttributes(span.attributes)) shared++;
      const { late, ...attributes } = span.attributes ?? {};
      if (late !== undefined) assert.equal(late, index, `call ${call}: a late attribute of another call`);
      assert.deepEqual({ name: span.name, attributes: JSON.stringify(attributes) }, expected[index], `call ${call}: options #${index}`);
    });
    assert.ok(shared > 0, 'exact repeats shared their attributes');
  });

  it('tells apart two pipelines that differ in any one option the label reads', async () => {
    const resized = optionsOf(sharp(hello).resize(32, 32).raw());
    const cropped = optionsOf(
      sharp(hello).extract({ left: 1, top: 2, width: 10, height: 10 }).resize(8, 8).extract({ left: 0, top: 1, width: 4, height: 4 }).raw(),
    );
    const input = resized.input as Record<string, unknown>;
    const png = readFileSync(hello);
    const changes: [Record<string, unknown>, Record<string, unknown>][] = [
      ...Object.entries({
        width: 48,
        height: 16,
        kernel: 'nearest',
        canvas: 'embed',
        angle: 90,
        rotationAngle: 45,
        orientBefore: true,
      }),
      ...Object.entries({ flip: true, flop: true, greyscale: true, flatten: true, normalise: true, negate: true, removeAlpha: true, trimThreshold: 10 }),
      ...Object.entries({ extendTop: 2, extendBottom: 2, extendLeft: 2, extendRight: 2, blurSigma: 1.5, sharpenSigma: 1.5, medianSize: 3, threshold: 100 }),
      ...Object.entries({ gamma: 2.2, ensureAlpha: 1, extractChannel: 1, colourspace: 'b-w', composite: [{}], fileOut: '/tmp/x.png', formatOut: 'png' }),
      ...Object.entries({ typedArrayOut: true, streamOut: true }),
    ].map(([key, value]): [Record<string, unknown>, Record<string, unknown>] => [resized, { ...resized, [key]: value }]);
    // sharp 0.33's name for orientBefore, in a literal of its own kind (without orientBefore).
    const { orientBefore: _, ...olderSharp } = resized;
    changes.push([olderSharp, { ...olderSharp, useExifOrientation: true }]);
    for (const key of ['topOffsetPre', 'leftOffsetPre', 'widthPre', 'heightPre', 'topOffsetPost', 'leftOffsetPost', 'widthPost', 'heightPost']) {
      changes.push([cropped, { ...cropped, [key]: (cropped[key] as number) + 1 }]);
    }
    for (const other of [
      { file: receipt },
      { file: undefined, buffer: png },
      { file: undefined, buffer: [png] },
      { raw: { width: 1, height: 1, channels: 3 } },
    ]) {
      changes.push([resized, { ...resized, input: { ...input, ...other } }]);
    }
    for (const other of [{ create: {} }, { text: {} }, { join: [] }]) changes.push([resized, { ...resized, input: { ...input, file: undefined, ...other } }]);
    changes.push([
      { ...resized, input: { ...input, file: undefined, buffer: png } },
      { ...resized, input: { ...input, file: undefined, buffer: png.subarray(1) } },
    ]);

    const tracer = new Tracer();
    const pipeline = tracedPipeline(tracer);
    const expected: Label[] = [];
    for (const [before, after] of changes) {
      const [first, second] = [await freshLabel(before), await freshLabel(after)];
      assert.notDeepEqual(first, second, `a change the label shows: ${JSON.stringify(second)}`);
      expected.push(first, second, first, second);
      for (const options of [before, after, before, after]) await pipeline.call({ options });
    }
    // The output method also depends on the callback: a stream with one is a toBuffer.
    const streamed = { ...resized, streamOut: true };
    const callback = (): void => undefined;
    const [withCallback, without] = [await freshLabel(streamed, callback), await freshLabel(streamed)];
    assert.notEqual(withCallback.name, without.name);
    for (const cb of [callback, undefined, callback, undefined]) await pipeline.call({ options: streamed }, cb);
    expected.push(withCallback, without, withCallback, without);
    assert.deepEqual(tracer.recorder.spans().map(labelOf), expected);
  });

  it('reuses a label across values describing does not look at, which the hook does not read', async () => {
    // Each field read from sharp's options is a full lookup (readPipelineValues):
    // the hook leaves out what cannot change the description. Calls that differ
    // only there share one label, and each still gets what describing its own
    // options gives.
    const plain = optionsOf(sharp(hello).raw());
    const rotated = optionsOf(sharp(hello).rotate(90).raw());
    const pairs: [Record<string, unknown>, Record<string, unknown>][] = [
      [plain, { ...plain, kernel: 'nearest', canvas: 'embed' }], // no resize: kernel and fit are not shown
      [plain, { ...plain, topOffsetPre: 3, leftOffsetPre: 4, heightPre: 5 }], // no extract width: no region
      [plain, { ...plain, topOffsetPost: 3, leftOffsetPost: 4, heightPost: 5 }],
      [rotated, { ...rotated, rotationAngle: 45 }], // the first angle wins
      [plain, { ...plain, useExifOrientation: true }], // sharp 0.35's literal has orientBefore: 0.33's name is not looked at
    ];
    for (const [before, after] of pairs) {
      const tracer = new Tracer();
      const scope = new HookScope(tracer);
      const pipeline = tracedPipeline(tracer, scope);
      await pipeline.call({ options: before });
      await pipeline.call({ options: after });
      assert.equal(sharpPipelinesDescribed(scope), 1, `one label for ${JSON.stringify(after).slice(0, 80)}`);
      assert.deepEqual(tracer.recorder.spans().map(labelOf), [await freshLabel(before), await freshLabel(after)]);
    }
  });

  it('gives a remembered file pipeline the file size once it is known', async () => {
    const tracer = new Tracer();
    const pipeline = tracedPipeline(tracer);
    const options = optionsOf(sharp(hello).resize(32, 32).raw());
    await pipeline.call({ options });
    runDeferred(); // the run is reported: input sizes are filled in
    await pipeline.call({ options });
    await pipeline.call({ options: optionsOf(sharp(hello).resize(48, 48).raw()) });
    const size = readFileSync(hello).length;
    assert.deepEqual(
      tracer.recorder.spans().map((span) => span.attributes?.inputBytes),
      [size, size, size],
    );
  });

  it('stats a file input once, when the run is reported, however many calls read it (real sharp, traced process)', async () => {
    // A preload, loaded before the register entry (whose bundle takes statSync
    // from node:fs when it loads), counts every stat and lstat of the PNG, sync,
    // callback and promise; the script reads the count around its loop of real
    // sharp calls and again at exit, after the run was reported.
    const dir = tempDir();
    const counter = path.join(dir, 'count-stats.cjs');
    writeFileSync(
      counter,
      [
        `const fs = require('node:fs');`,
        `const path = require('node:path');`,
        `const { fileURLToPath } = require('node:url');`,
        `const target = ${JSON.stringify(hello)};`,
        `const key = Symbol.for('stagescope.test.statsOfPng');`,
        `globalThis[key] = 0;`,
        `const pathOf = (file) => (typeof file === 'string' ? path.resolve(file) : file instanceof URL ? fileURLToPath(file) : Buffer.isBuffer(file) ? path.resolve(file.toString()) : '');`,
        `const count = (object, name) => {`,
        `  const original = object[name];`,
        `  object[name] = function (file, ...rest) {`,
        `    if (pathOf(file) === target) globalThis[key]++;`,
        `    return original.call(this, file, ...rest);`,
        `  };`,
        `};`,
        `for (const name of ['stat', 'statSync', 'lstat', 'lstatSync']) count(fs, name);`,
        `for (const name of ['stat', 'lstat']) count(fs.promises, name);`,
      ].join('\n'),
    );
    const script = path.join(dir, 'loop.mjs');
    writeFileSync(
      script,
      [
        `import { createRequire } from 'node:module';`,
        `const sharp = createRequire(${JSON.stringify(path.join(repoRoot, 'package.json'))})('sharp');`,
        `const key = Symbol.for('stagescope.test.statsOfPng');`,
        `const calls = Number(process.argv[2]);`,
        `const before = globalThis[key];`,
        `for (let i = 0; i < calls; i++) await sharp(${JSON.stringify(hello)}).resize(16, 16).raw().toBuffer();`,
        `const loop = globalThis[key] - before;`,
        `process.on('exit', () => console.log(JSON.stringify({ loop, run: globalThis[key] })));`,
      ].join('\n'),
    );
    const size = statSync(hello).size;
    const statsFor = async (calls: number): Promise<{ loop: number; run: number }> => {
      const json = path.join(dir, `run-${calls}.json`);
      const traced = await runNode(['--require', counter, '--import', 'stagescope/register/sharp', script, String(calls)], {
        env: { STAGESCOPE_QUIET: '1', STAGESCOPE_JSON: json },
      });
      assert.equal(traced.code, 0, traced.stderr);
      const pipelines = readRun(json).spans.filter((span) => span.name.startsWith('sharp.toBuffer'));
      assert.equal(pipelines.length, calls, 'every call traced');
      assert.deepEqual(new Set(pipelines.map((span) => span.attributes.inputBytes)), new Set([size]), 'every call carries the file size');
      return JSON.parse(traced.stdout) as { loop: number; run: number };
    };
    const few = await statsFor(5);
    const many = await statsFor(50);
    assert.equal(many.loop, few.loop, `stats of the PNG during the loop: ${few.loop} for 5 calls, ${many.loop} for 50`);
    assert.equal(many.loop, 0, 'none on the call path');
    // The size came from one stat, when the run was reported (this also shows the counter sees stagescope's stats).
    assert.deepEqual([few.run, many.run], [1, 1]);
  });
});
