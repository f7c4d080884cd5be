import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { reportEntryScriptTargets } from '../src/instrument/entry-script-targets.js';
import { span, traced, tracedOriginal } from '../src/index.js';
import { resolveTarget } from '../src/instrument/target.js';
import { fixture, readRun, runCli, runNode, spanIndex, tempDir } from './helpers.js';

const script = fixture('scripts/manual-spans.mjs');
const targets = fixture('targets/fake.yaml');

describe('manual spans: span() and traced()', () => {
  it('with no preset running they are plain calls: same value, same promise, same error', async () => {
    const value = { a: 1 };
    assert.equal(
      span('x', () => value),
      value,
    );
    const promise = Promise.resolve(2);
    assert.equal(
      span('x', { stage: 'detection' }, () => promise),
      promise,
    );
    assert.throws(
      () =>
        span('x', () => {
          throw new SyntaxError('mine');
        }),
      { name: 'SyntaxError', message: 'mine' },
    );
    await assert.rejects(
      span('x', async () => {
        throw new URIError('later');
      }),
      { name: 'URIError' },
    );
    assert.throws(() => span('x', {} as never), /span\("x"\): the last argument must be the function to run, got undefined/);
  });

  it('traced() wraps once, keeps name, length, this and new', () => {
    function add(this: { base: number }, a: number, b: number): number {
      return this.base + a + b;
    }
    const wrapped = traced(add, { stage: 'preprocess' });
    assert.notEqual(wrapped, add);
    assert.equal(traced(add), wrapped, 'the same function wraps to the same wrapper');
    assert.equal(traced(wrapped), wrapped, 'a wrapper is not wrapped again');
    assert.equal(tracedOriginal(wrapped), add);
    assert.equal(wrapped.name, 'add');
    assert.equal(wrapped.length, 2);
    assert.equal(wrapped.call({ base: 10 }, 1, 2), 13);
    class Point {
      constructor(readonly x: number) {}
    }
    const P = traced(Point as unknown as (x: number) => Point) as unknown as typeof Point;
    assert.ok(new P(3) instanceof Point);
    assert.equal(new P(3).x, 3);
    assert.throws(() => traced(42 as never), /traced\(\): the first argument must be a function, got number/);
  });

  it('under a preset: manual spans nest library spans, carry stage and attributes; output is the plain one', async () => {
    const json = path.join(tempDir(), 'run.json');
    const [plain, run] = await Promise.all([runNode([script]), runCli(['run', '--targets', targets, '--quiet', '--json', json, '--', script])]);
    assert.equal(plain.code, 0, plain.stderr);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, plain.stdout);
    assert.deepEqual(JSON.parse(plain.stdout), {
      boxes: 'det:img',
      same: true,
      sum: 5,
      text: 'DET:IMG',
      name: 'decode',
      length: 1,
      caught: 'RangeError: own failure',
    });
    const doc = readRun(json);
    const { root, named, byId } = spanIndex(doc);
    const [plates] = named('find plates');
    assert.ok(plates !== undefined);
    assert.equal(plates.stage, 'detection');
    assert.equal(plates.parentId, root.id);
    assert.equal(plates.attributes.image, 'car.jpg');
    assert.equal(plates.attributes.manual, true);
    const [engineRun] = named('Engine.run');
    assert.equal(engineRun?.parentId, plates.id, 'the library call made inside span() is its child');
    assert.ok(engineRun!.startNs + engineRun!.durationNs <= plates.startNs + plates.durationNs, 'the async span ends after its child');
    const [syncStep] = named('sync step');
    assert.equal(named('syncAdd')[0]?.parentId, syncStep?.id);
    const [decode] = named('decode');
    assert.equal(decode?.stage, 'postprocess');
    const [fails] = named('fails');
    assert.equal(fails?.status, 'error');
    assert.equal(fails?.error?.name, 'RangeError');
    assert.equal(byId.get(named('identity')[0]!.parentId!)?.id, root.id);
  });

  it('a target naming the entry script gets a diagnostic pointing to span()', async () => {
    const json = path.join(tempDir(), 'run.json');
    const run = await runCli(['run', '--targets', fixture('targets/entry-script.yaml'), '--quiet', '--json', json, '--', script]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /\[SS_TARGET_ENTRY_SCRIPT\] .*entry-script\.yaml:4: target manual-spans\.mjs#decode names the script being run .*span\('name'/);
    const doc = readRun(json);
    assert.ok(doc.diagnostics.some((diagnostic) => diagnostic.code === 'SS_TARGET_ENTRY_SCRIPT'));
    assert.equal(doc.spans.filter((s) => s.name === 'Engine.run').length, 1, 'the other target still works');
  });

  it('a target whose function cannot be patched (frozen exports) gets a diagnostic pointing to span()', async () => {
    const json = path.join(tempDir(), 'run.json');
    const run = await runCli(['run', '--targets', fixture('targets/frozen.yaml'), '--quiet', '--json', json, '--', fixture('scripts/frozen.mjs')]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, 'PLATE\n', 'the app runs as without stagescope');
    assert.match(
      run.stderr,
      /\[SS_TARGET_UNPATCHABLE\] .*frozen\.yaml:3: cannot wrap fake-frozen-lib#recognize .*not configurable or writable.*span\('name', \{ stage \}, fn\).*traced\(fn/,
    );
    const doc = readRun(json);
    assert.ok(doc.diagnostics.some((diagnostic) => diagnostic.code === 'SS_TARGET_UNPATCHABLE'));
    assert.equal(doc.wrappedCalls, 0);
  });
});

describe('entry-script targets', () => {
  it('only a module written as a file can name the script; a package named like the script is left alone', () => {
    const dir = path.dirname(script);
    const target = (module: string) => resolveTarget({ module, export: 'decode' }, 't.yaml:1');
    const reported = reportEntryScriptTargets(
      [
        target('manual-spans.mjs'),
        target('./manual-spans.mjs'),
        target('./manual-spans'),
        target('manual-spans'),
        target('fake-cjs-lib'),
        target('./other.mjs'),
      ],
      script,
      dir,
    );
    assert.deepEqual(reported, ['manual-spans.mjs#decode', './manual-spans.mjs#decode', './manual-spans#decode']);
  });
});

describe('setTargetEnabled before run()', () => {
  it('survives run(): the target stays off, the others record', async () => {
    // In a child: run() waits for the script's event loop, which the test runner's own would keep busy.
    const code = `
      import { Preset } from 'stagescope';
      const preset = new Preset('fake', [], { targets: [${JSON.stringify(targets)}], quiet: true, maxOverheadPct: Infinity });
      const known = preset.instrumenter.setTargetEnabled('fake-cjs-lib#Engine.prototype.run', false);
      const doc = await preset.run(${JSON.stringify(fixture('scripts/pipeline.mjs'))});
      console.error(JSON.stringify({ known, names: doc.spans.map((s) => s.name), enabled: preset.instrumenter.isTargetEnabled('fake-cjs-lib#Engine.prototype.run') }));
    `;
    const result = await runNode(['--input-type=module', '-e', code]);
    assert.equal(result.code, 0, result.stderr);
    const report = JSON.parse(result.stderr.trim().split('\n').pop()!) as { known: boolean; names: string[]; enabled: boolean };
    assert.equal(report.known, true);
    assert.ok(report.names.includes('Engine.create'), report.names.join(', '));
    assert.ok(!report.names.includes('Engine.run'), 'the target switched off before run() stays off');
    assert.equal(report.enabled, false);
  });
});
