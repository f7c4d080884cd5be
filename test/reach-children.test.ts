import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { fixture, readRun, repoRoot, runCli, runNode, runPlainAndTraced, spanIndex, tempDir } from './helpers.js';

const targets = fixture('targets/reach.yaml');

describe('child processes (reach)', () => {
  it("fork and spawn of node: the children's spans join the run under the span that started them, with their pids", async () => {
    const script = fixture('scripts/reach/children.mjs');
    const { json } = await runPlainAndTraced(script, ['--targets', targets], "IPC messages and the children's output as without stagescope");
    const doc = readRun(json);
    const index = spanIndex(doc);
    assert.equal(typeof doc.pid, 'number');
    const [pipeline] = index.named('pipeline');
    const children = index.children(pipeline!);
    assert.deepEqual(
      children.map((span) => span.name),
      ['process reach/child.mjs forked', 'process reach/child.mjs spawned'],
    );
    const pids = new Set<number | undefined>();
    for (const child of children) {
      assert.equal(typeof child.pid, 'number');
      assert.notEqual(child.pid, doc.pid);
      assert.equal(child.attributes.pid, child.pid);
      pids.add(child.pid);
      assert.deepEqual(
        index.children(child).map((span) => `${span.name} ${span.pid === child.pid}`),
        ['inferAsync true', 'infer true'],
      );
    }
    assert.equal(pids.size, 2);
    assert.equal(doc.wrappedCalls, 2 + 2 + 2, "the children's wrapped calls are counted");
    assert.deepEqual(
      doc.reach?.map((source) => [source.kind, source.complete]),
      [
        ['process', true],
        ['process', true],
      ],
    );
    assert.deepEqual(doc.diagnostics, []);
  });

  it('node --import stagescope/register: the children join the run too, and print nothing of their own', async () => {
    const script = fixture('scripts/reach/children.mjs');
    const plain = await runNode([script]);
    const json = path.join(tempDir(), 'run.json');
    const result = await runNode(['--import', path.join(repoRoot, 'build/src/register/index.js'), script], {
      env: { STAGESCOPE_TARGETS: targets, STAGESCOPE_JSON: json, STAGESCOPE_QUIET: '1' },
    });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, plain.stdout);
    assert.equal(result.stderr, '', 'no tree, no warning from the children');
    const doc = readRun(json);
    const index = spanIndex(doc);
    const children = index.children(index.named('pipeline')[0]!);
    assert.deepEqual(
      children.map((span) => span.name),
      ['process reach/child.mjs forked', 'process reach/child.mjs spawned'],
    );
    for (const child of children) {
      assert.ok(typeof child.pid === 'number' && child.pid !== doc.pid);
      assert.deepEqual(
        index.children(child).map((span) => `${span.name} ${span.pid === child.pid}`),
        ['inferAsync true', 'infer true'],
      );
    }
  });

  it('the API driver traces forked children too (NODE_OPTIONS carries the preset), and removes its temp directory', async () => {
    const before = new Set(readdirSync(os.tmpdir()).filter((name) => name.startsWith('stagescope-reach-')));
    const json = path.join(tempDir(), 'run.json');
    const driver = path.join(tempDir(), 'driver.mjs');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(
      driver,
      `import { Preset } from ${JSON.stringify(path.join(repoRoot, 'build/src/index.js'))};\n` +
        `await new Preset('custom', [], { targets: [${JSON.stringify(targets)}], json: ${JSON.stringify(json)}, quiet: true }).run(${JSON.stringify(fixture('scripts/reach/children.mjs'))});\n`,
    );
    const result = await runNode([driver]);
    assert.equal(result.code, 0, result.stderr);
    const index = spanIndex(readRun(json));
    assert.equal(index.named(/^process reach\/child\.mjs/).length, 2);
    assert.equal(index.named('inferAsync').length, 2);
    const after = readdirSync(os.tmpdir()).filter((name) => name.startsWith('stagescope-reach-') && !before.has(name));
    assert.deepEqual(after, []);
  });

  it("a detached child that outlives the run never overwrites the parent's --json and is reported as missing", async () => {
    const json = path.join(tempDir(), 'run.json');
    const result = await runCli(['run', '--targets', targets, '--json', json, '--quiet', '--', fixture('scripts/reach/detached.mjs')]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, 'parent 4\n');
    const doc = readRun(json);
    const missing = /\[SS_REACH_CHILD_MISSING\] child process reach\/slow-child\.mjs \(pid (\d+)\) sent no spans/.exec(result.stderr);
    assert.ok(missing !== null, result.stderr);
    // Wait for the child to finish its work and exit (it sleeps 1.5 s; longer on a
    // loaded machine), then look again.
    const childPid = Number(missing[1]);
    for (let tries = 0; tries < 1000 && processAlive(childPid); tries++) await sleep(20);
    assert.ok(!processAlive(childPid), 'the detached child has exited');
    const again = readRun(json);
    assert.deepEqual(again, doc, "the run document is still the parent's");
    assert.deepEqual(
      spanIndex(again)
        .named(/infer/)
        .map((span) => span.name),
      ['infer'],
    );
    const dir = doc.spans.length > 0 ? path.join(os.tmpdir(), `stagescope-reach-${doc.pid}-`) : '';
    assert.ok(
      !readdirSync(os.tmpdir()).some((name) => path.join(os.tmpdir(), name).startsWith(dir)),
      'no temp directory left behind, not even by the late child',
    );
    assert.ok(existsSync(json));
  });

  it("a node process a child starts through a shell runs untraced: it never writes over the child's spans", async () => {
    const done = path.join(tempDir(), 'done');
    const json = path.join(tempDir(), 'run.json');
    const result = await runCli(['run', '--targets', targets, '--json', json, '--quiet', '--', fixture('scripts/reach/shell-parent.mjs'), done]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, 'grandchild done: true\n');
    const doc = readRun(json);
    const index = spanIndex(doc);
    const [child] = index.children(index.named('pipeline')[0]!);
    assert.equal(child?.name, `process reach/shell-child.mjs ${done}`);
    assert.deepEqual(
      index.children(child!).map((span) => `${span.name} ${span.pid === child!.pid}`),
      ['infer true', 'infer true'],
      "the child's own two calls, not the grandchild's one",
    );
    assert.equal(doc.wrappedCalls, 1 + 2);
    assert.deepEqual(doc.diagnostics, []);
  });

  it('under NODE_OPTIONS=--import stagescope/register, a node process started through a shell that outlives the run leaves its --json alone', async () => {
    const done = path.join(tempDir(), 'done');
    const json = path.join(tempDir(), 'run.json');
    const result = await runNode([fixture('scripts/reach/shell-top.mjs'), done], {
      env: {
        NODE_OPTIONS: `--import ${path.join(repoRoot, 'build/src/register/index.js')}`,
        STAGESCOPE_TARGETS: targets,
        STAGESCOPE_JSON: json,
        STAGESCOPE_QUIET: '1',
      },
    });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, 'top done\n');
    const doc = readRun(json);
    // The grandchild waits for the run's process to exit, works, and writes its
    // pid from its last exit listener, after any exit work a traced process
    // does (shell-grandchild.mjs): wait for that, not for the pid to go.
    for (let tries = 0; tries < 1500 && !existsSync(done); tries++) await sleep(20);
    assert.ok(existsSync(done), 'the grandchild has run its exit listeners');
    assert.deepEqual(readRun(json), doc, "the run document is still the run's own");
    assert.deepEqual(
      doc.spans.map((span) => span.name),
      ['run', 'infer'],
    );
  });

  it('under NODE_OPTIONS=--import stagescope/register, node children run with spawnSync or execSync (no link) run untraced and print nothing of ours', async () => {
    const json = path.join(tempDir(), 'run.json');
    const env = { STAGESCOPE_TARGETS: targets, STAGESCOPE_JSON: json, STAGESCOPE_QUIET: '1' };
    const script = fixture('scripts/reach/sync-top.mjs');
    const plain = await runNode([script]);
    const traced = await runNode([script], { env: { ...env, NODE_OPTIONS: `--import ${path.join(repoRoot, 'build/bundle/register/index.js')}` } });
    assert.equal(traced.code, 0, traced.stderr);
    // The children's output is what it is without stagescope: no tree in the stderr the app reads.
    assert.equal(traced.stdout, plain.stdout);
    assert.equal(plain.stdout, 'spawnSync child: "child 6\\n" stderr ""\nexecSync child: "child 6\\n"\n');
    const doc = readRun(json);
    assert.deepEqual(
      doc.spans.map((span) => span.name),
      ['run', 'infer'],
      "the run's own spans: the children neither joined nor overwrote it",
    );
  });

  it("the onnx fork example: each child's session load and run, classification stage, under its process span", async () => {
    const example = path.join(repoRoot, 'examples/fork/parent.mjs');
    const plain = await runNode([example]);
    const json = path.join(tempDir(), 'run.json');
    const traced = await runCli(['run', '--preset', 'onnx', '--json', json, '--quiet', '--', example]);
    assert.equal(traced.code, 0, traced.stderr);
    assert.equal(traced.stdout, plain.stdout);
    const index = spanIndex(readRun(json));
    const processes = index.children(index.root);
    assert.deepEqual(
      processes.map((span) => span.name),
      ['process fork/child.mjs upright', 'process fork/child.mjs rotated'],
    );
    for (const child of processes) {
      const calls = index.children(child);
      assert.deepEqual(
        calls.map((span) => [span.name.split(' ')[0], span.stage, span.pid === child.pid]),
        [
          ['InferenceSession.create', 'load', true],
          ['InferenceSession.run', 'classification', true],
        ],
      );
    }
  });
});

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // An exited process that nobody has reaped yet (an orphan waits for PID 1,
  // which on a VM's init may take its time) still answers signal 0: a zombie.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true; // no /proc (not Linux): signal 0 is all there is
  }
}
