import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fixture } from '../helpers.js';
import { launch, observe, scenario, spanNames, TRACED_MODES, withoutInternalFrames, type Observed } from './matrix.js';

/** Plain and traced must look the same from outside; stderr compared without stagescope's own lines. */
function assertSameBehaviour(mode: string, plain: Observed, traced: Observed, options: { exactStderr?: boolean } = {}): void {
  assert.equal(traced.stdout, plain.stdout, `${mode}: stdout`);
  assert.equal(traced.code, plain.code, `${mode}: exit code (stderr: ${traced.stderr})`);
  assert.equal(traced.signal, plain.signal, `${mode}: signal`);
  if (options.exactStderr ?? true) assert.equal(traced.stderr, plain.stderr, `${mode}: stderr`);
  else assert.equal(withoutInternalFrames(traced.stderr), withoutInternalFrames(plain.stderr), `${mode}: stderr (without Node's internal frames)`);
}

describe('behaviour matrix: plain vs traced (CLI, --import, API driver)', () => {
  it("a script that starts its exported main itself (setImmediate(main), exports['ma' + 'in']) runs it once", async () => {
    for (const script of [scenario('main-self-start.mjs'), scenario('main-computed.cjs')]) {
      const plain = await observe(launch('plain', script));
      assert.equal(plain.stdout, 'main ran ok\n');
      for (const mode of TRACED_MODES) {
        const traced = await observe(launch(mode, script));
        assertSameBehaviour(`${mode} ${script}`, plain, traced);
        assert.deepEqual(spanNames(traced.doc), ['run', 'asyncWork'], `${mode} ${script}: one traced main`);
      }
    }
  });

  it('an exported main that the script never starts is called only when asked (--call-main)', async () => {
    const script = scenario('main-exported.cjs');
    const plain = await observe(launch('plain', script));
    assert.equal(plain.stdout, '');
    const notAsked = await observe(launch('cli', script));
    assertSameBehaviour('cli', plain, notAsked);
    assert.ok(
      notAsked.stagescopeLines.some((line) => line.includes('SS_MAIN_NOT_CALLED')),
      'a hint says how to call main',
    );
    const asked = await observe(launch('cli', script, [], { cliOptions: ['--call-main'] }));
    assert.equal(asked.code, 0, asked.stderr);
    assert.equal(asked.stdout, 'main ran 5\n');
    assert.deepEqual(spanNames(asked.doc), ['run', 'syncAdd']);
    const viaEnv = await observe(launch('import', script, [], { env: { STAGESCOPE_CALL_MAIN: '1' } }));
    assert.equal(viaEnv.stdout, 'main ran 5\n');
  });

  it('an uncaught error from a timer: same message, stack and exit code; the run records it', async () => {
    const script = scenario('late-throw.mjs');
    const plain = await observe(launch('plain', script));
    assert.equal(plain.code, 1);
    assert.match(plain.stderr, /TypeError: late type error/);
    for (const mode of TRACED_MODES) {
      const traced = await observe(launch(mode, script));
      assertSameBehaviour(mode, plain, traced);
      assert.equal(traced.doc?.error?.message, 'late type error', `${mode}: error recorded`);
      assert.equal(traced.doc?.exitCode, 1, `${mode}: exit code recorded`);
      assert.deepEqual(spanNames(traced.doc), ['run', 'asyncWork']);
    }
  });

  it('the script is the entry point, however it is traced: require.main, import.meta.main, argv; a top-level throw prints and exits as plain', async () => {
    for (const script of [scenario('entry-point.cjs'), scenario('entry-point.mjs')]) {
      const plain = await observe(launch('plain', script, ['a b', '--flag']));
      assert.match(plain.stdout, /^main (true|undefined) entry-point\.(c|m)js \["a b","--flag"\]\nsum 3\n$/, script);
      const plainThrow = await observe(launch('plain', script, ['throw']));
      assert.equal(plainThrow.code, 1);
      assert.match(plainThrow.stderr, /RangeError: top-level range error/);
      for (const mode of TRACED_MODES) {
        const traced = await observe(launch(mode, script, ['a b', '--flag']));
        // The API driver imports an ES module script: the driver file is the main module, so
        // import.meta.main is false there (docs/running.md, known limitations).
        const expected = mode === 'api' && script.endsWith('.mjs') ? { ...plain, stdout: plain.stdout.replace(/^main true/, 'main false') } : plain;
        assertSameBehaviour(`${mode} ${script}`, expected, traced);
        assert.deepEqual(spanNames(traced.doc), ['run', 'syncAdd'], `${mode} ${script}`);
        // Node's own frames below the script differ where the API driver (and the CLI's own process) start it.
        // And under any `--import` (an empty one too), Node loads a CommonJS main through its ES module
        // loader, which prints the caret under `new`, not `throw`: Node's doing, not compared there.
        const thrown = await observe(launch(mode, script, ['throw']));
        const caretMoves = (mode === 'import' || mode === 'cli-child') && script.endsWith('.cjs');
        const withoutCaret = (observed: Observed): Observed => (caretMoves ? { ...observed, stderr: observed.stderr.replace(/^ *\^\n/m, '') } : observed);
        if (mode === 'api') {
          // `await preset.run(script)` rejects with the script's error, so Node reports it as the
          // driver file's own (its header names Node's runner, not the script's line): the API's design.
          assert.deepEqual([thrown.code, thrown.signal], [plainThrow.code, plainThrow.signal], `${mode} ${script} throw`);
          assert.match(thrown.stdout, /\nsum 3\n$/);
          assert.match(thrown.stderr, /RangeError: top-level range error\n {4}at .*entry-point\.(c|m)js:7:40/);
        } else {
          assertSameBehaviour(`${mode} ${script} throw`, withoutCaret(plainThrow), withoutCaret(thrown), { exactStderr: false });
        }
        assert.equal(thrown.doc?.error?.message, 'top-level range error', `${mode} ${script}: error recorded`);
        assert.equal(thrown.doc?.exitCode, 1, `${mode} ${script}: exit code recorded`);
      }
    }
  });

  it('a library rethrowing from uncaughtException (exit 7): same output, and the partial run is saved', async () => {
    const script = scenario('rethrow-uncaught.mjs');
    const plain = await observe(launch('plain', script));
    assert.equal(plain.code, 7);
    for (const mode of TRACED_MODES) {
      const traced = await observe(launch(mode, script));
      assertSameBehaviour(mode, plain, traced);
      assert.ok(traced.doc !== undefined, `${mode}: run document saved`);
      assert.equal(traced.doc.error?.message, 'late failure');
      assert.deepEqual(spanNames(traced.doc), ['run', 'syncAdd']);
      assert.ok(
        traced.doc.diagnostics.some((d) => d.code === 'SS_RUN_SNAPSHOT'),
        `${mode}: says it is a snapshot`,
      );
    }
  });

  it("the app's beforeExit listener runs once, also when a call graph is drawn at the end", async () => {
    const script = scenario('before-exit.mjs');
    const plain = await observe(launch('plain', script));
    assert.equal(plain.stdout, 'work done\nbeforeExit 1\n');
    for (const mode of ['cli', 'import'] as const) {
      const svgLaunch = launch(mode, script, [], { cliOptions: ['--svg', '/dev/null'], env: mode === 'import' ? { STAGESCOPE_SVG: '/dev/null' } : {} });
      const traced = await observe(svgLaunch);
      assertSameBehaviour(mode, plain, traced);
    }
    const api = await observe(launch('api', script));
    assertSameBehaviour('api', plain, api);
  });

  it("process.exit(4) mid-run: code and output are the script's, the document has the exit code", async () => {
    const script = scenario('exit-code.cjs');
    const plain = await observe(launch('plain', script));
    assert.equal(plain.code, 4);
    for (const mode of TRACED_MODES) {
      const traced = await observe(launch(mode, script));
      assertSameBehaviour(mode, plain, traced);
      assert.equal(traced.doc?.exitCode, 4, `${mode}: exit code recorded`);
      assert.deepEqual(spanNames(traced.doc), ['run', 'syncAdd', 'asyncWork']);
    }
  });

  it('20,000 nested spans (async recursion through a traced function): exit 0, same output, the document written, the tree drawn', async () => {
    const script = scenario('deep-nesting.cjs');
    const levels = 20_000;
    const targets = fixture('targets/deep.yaml');
    const plain = await observe(launch('plain', script, [String(levels)], { targets }));
    assert.deepEqual([plain.code, plain.stdout], [0, `reached depth ${levels}\n`]);
    for (const mode of TRACED_MODES) {
      const traced = await observe(launch(mode, script, [String(levels)], { targets, tree: true }));
      assert.equal(traced.code, 0, `${mode}: exit code (stderr: ${traced.stderr.slice(-2000)})`);
      assert.equal(traced.stdout, plain.stdout, `${mode}: stdout`);
      assert.equal(traced.doc?.spans.length, levels + 2, `${mode}: run, the script's call and every level in the document`);
      const treeLines = traced.stderr.split('\n').filter((line) => line.startsWith('['));
      assert.equal(treeLines.length, levels + 2, `${mode}: one tree line per span`);
      // The indentation stops growing (outer levels shown as ⋯), so the tree stays printable.
      assert.ok(Math.max(...treeLines.map((line) => line.length)) < 400, `${mode}: lines stay short`);
      assert.ok(treeLines.at(-1)!.includes('⋯ '), `${mode}: deep lines say outer levels are not drawn`);
      assert.deepEqual(
        traced.stagescopeLines.filter((line) => line.includes('error')),
        [],
        mode,
      );
    }
  });

  it('a sync recursion through a traced function reaches 2,000 levels, as plain does (before: overflow at ~1,760; one wrapper frame per level)', async () => {
    const script = scenario('sync-recursion.cjs');
    const targets = fixture('targets/deep.yaml');
    const plain = await observe(launch('plain', script, ['2000'], { targets }));
    assert.equal(plain.stdout, 'counted 2000\n');
    for (const mode of TRACED_MODES) {
      const traced = await observe(launch(mode, script, ['2000'], { targets }));
      assertSameBehaviour(mode, plain, traced);
      assert.equal(traced.doc?.spans.length, 1 + 2001, `${mode}: every level traced`);
    }
  });

  it("a traced call inside a callback: true target's callback is parented to the caller's span and inside it", async () => {
    const script = scenario('callback-parent.cjs');
    const plain = await observe(launch('plain', script));
    assert.equal(plain.stdout, 'v 3\n');
    for (const mode of TRACED_MODES) {
      const traced = await observe(launch(mode, script));
      assertSameBehaviour(mode, plain, traced);
      const spans = traced.doc?.spans ?? [];
      const byName = new Map(spans.map((span) => [span.name, span]));
      const [run, target, inner] = [byName.get('run'), byName.get('callbackWork'), byName.get('syncAdd')];
      assert.ok(run !== undefined && target !== undefined && inner !== undefined, `${mode}: ${spans.map((span) => span.name).join(', ')}`);
      assert.equal(target.parentId, run.id, mode);
      assert.equal(inner.parentId, run.id, `${mode}: the callback runs in the caller's context, not under callbackWork`);
      assert.ok(inner.startNs >= target.startNs + target.durationNs, `${mode}: the callback runs after the target's span ended`);
    }
  });

  it('ESM live bindings: a traced `export let` that the library reassigns stays live; import.meta.url unchanged', async () => {
    const script = scenario('esm-live-binding.mjs');
    const targets = fixture('targets/esm-live.yaml');
    const plain = await observe(launch('plain', script, [], { targets }));
    assert.equal(plain.stdout, 'v1:a label:a\nv2:b\nurl unchanged\n');
    for (const mode of TRACED_MODES) {
      const traced = await observe(launch(mode, script, [], { targets }));
      assertSameBehaviour(mode, plain, traced);
      // detect (let) and classify (const) were wrapped in place; the reassigned detect is the library's own, untraced.
      assert.deepEqual(spanNames(traced.doc), ['run', 'detect', 'classify'], mode);
    }
  });
});
