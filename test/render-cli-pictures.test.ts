import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fixture, repoRoot, runCli, runNode, tempDir } from './helpers.js';
import { bigRun } from './render-helpers.js';
import { allElements, parseXml, textContent } from './xml-check.js';

const targets = fixture('targets/fake.yaml');

function nodeNames(svg: string): string[] {
  return allElements(parseXml(svg))
    .filter((element) => element.name === 'g' && element.attributes.class === 'node')
    .flatMap((node) =>
      allElements(node)
        .filter((element) => element.name === 'text')
        .map(textContent),
    );
}

describe('the call graph is always written', () => {
  it('`stagescope run --svg`: a script that calls process.exit still gets its call graph (drawn by the CLI); output and exit code unchanged', async () => {
    const dir = tempDir('stagescope-always-');
    const svg = path.join(dir, 'graph.svg');
    const plain = await runNode([fixture('scripts/exit-early.mjs')]);
    const traced = await runCli(['run', '--targets', targets, '--svg', svg, '--quiet', '--', fixture('scripts/exit-early.mjs')]);
    assert.equal(traced.code, 5);
    assert.equal(plain.code, 5);
    assert.equal(traced.stdout, plain.stdout);
    assert.doesNotMatch(traced.stderr, /not written/, traced.stderr);
    assert.ok(nodeNames(readFileSync(svg, 'utf8')).includes('syncAdd'), 'the traced call is in the picture');
    assert.deepEqual(readFileSync(svg, 'utf8').match(/<svg\b/g)?.length, 1);
  });

  it("`stagescope run --svg`: a child killed by SIGKILL gets a one-line note, not a crash; the signal is the child's", async () => {
    const dir = tempDir('stagescope-killed-');
    const svg = path.join(dir, 'graph.svg');
    const traced = await runCli(['run', '--targets', targets, '--svg', svg, '--quiet', '--', fixture('scripts/killed.mjs')]);
    assert.equal(traced.signal, 'SIGKILL');
    assert.match(
      traced.stderr,
      new RegExp(`call graph not written to ${svg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: the traced process was killed by SIGKILL before it saved its run`),
    );
    assert.ok(!existsSync(svg));
  });

  it('`node --import`: a process that exits before Graphviz could load still gets its call graph (drawn synchronously by a child process), with the exit code kept', async () => {
    const dir = tempDir('stagescope-import-');
    const svg = path.join(dir, 'graph.svg');
    const register = path.join(repoRoot, 'build/src/register/index.js');
    const result = await runNode(['--import', register, fixture('scripts/exit-early.mjs')], {
      env: { STAGESCOPE_PRESET: 'custom', STAGESCOPE_TARGETS: targets, STAGESCOPE_SVG: svg, STAGESCOPE_QUIET: '1' },
    });
    assert.equal(result.code, 5);
    assert.doesNotMatch(result.stderr, /not written/);
    assert.ok(nodeNames(readFileSync(svg, 'utf8')).includes('syncAdd'));
  });

  it('`node --import`: a call graph the renderer could not write leaves one command that draws it from a run saved beside it', async () => {
    const dir = tempDir('stagescope-import-failed-');
    const svg = path.join(dir, 'graph.svg');
    mkdirSync(svg); // the renderer cannot replace a directory: the write fails after the run
    const register = path.join(repoRoot, 'build/src/register/index.js');
    const result = await runNode(['--import', register, fixture('scripts/exit-early.mjs')], {
      env: { STAGESCOPE_PRESET: 'custom', STAGESCOPE_TARGETS: targets, STAGESCOPE_SVG: svg, STAGESCOPE_MAX_NODES: '12', STAGESCOPE_QUIET: '1' },
    });
    assert.equal(result.code, 5);
    const line = result.stderr.split('\n').find((entry) => entry.includes('could not write the call graph'));
    assert.ok(line !== undefined, result.stderr);
    const command = / draw it with: stagescope (render \S+ --svg \S+ --max-nodes 12)$/.exec(line);
    assert.ok(command !== null, line);
    // The command works as printed (to another file here, since the path is a directory).
    const args = command[1]!.split(' ');
    args[3] = path.join(dir, 'later.svg');
    const later = await runCli(args);
    assert.equal(later.code, 0, later.stderr);
    assert.ok(nodeNames(readFileSync(args[3], 'utf8')).includes('syncAdd'));
  });

  it('`--max-nodes N` raises the 40-node cap from the command line (`render` and `run`)', async () => {
    const dir = tempDir('stagescope-max-nodes-');
    const run = path.join(dir, 'run.json');
    writeFileSync(run, JSON.stringify(bigRun()));
    const count = async (args: string[]): Promise<number> => {
      const svg = path.join(dir, 'graph.svg');
      const result = await runCli(['render', run, '--svg', svg, ...args]);
      assert.equal(result.code, 0, result.stderr);
      return allElements(parseXml(readFileSync(svg, 'utf8'))).filter((element) => element.name === 'g' && element.attributes.class === 'node').length;
    };
    assert.ok((await count([])) <= 40);
    assert.ok((await count(['--max-nodes', '400'])) > 150, 'every call site drawn (the tidy layout past 150)');
    assert.ok((await count(['--max-nodes', '10'])) <= 10);
    const svg = path.join(dir, 'run.svg');
    const traced = await runCli(['run', '--targets', targets, '--svg', svg, '--max-nodes', '3', '--quiet', '--', fixture('scripts/pipeline.mjs')]);
    assert.equal(traced.code, 0, traced.stderr);
    assert.match(readFileSync(svg, 'utf8'), /merged 5 call sites \(6 calls[^<]*to keep ≤ 3 nodes/);
  });

  it('`--highlight total` and `--highlight-exclude load` pick the node and say so; bad values exit 2 naming the option', async () => {
    const dir = tempDir('stagescope-highlight-');
    const svg = path.join(dir, 'graph.svg');
    const run = fixture('runs', 'tfjs-face-run.json');
    const result = await runCli(['render', run, '--svg', svg, '--highlight', 'total', '--highlight-exclude', 'load']);
    assert.equal(result.code, 0, result.stderr);
    const header = allElements(parseXml(readFileSync(svg, 'utf8'))).find((element) => element.name === 'g' && element.attributes.class === 'header')!;
    const text = allElements(header)
      .filter((element) => element.name === 'text')
      .map(textContent)
      .join(' ');
    assert.match(
      text,
      /★ Slowest node \(most TOTAL time = the node with its children \(max latency\); load stage left out\): faceRecognitionNet\.computeFaceDescriptor/,
    );
    const bad = await runCli(['render', run, '--svg', svg, '--highlight', 'max']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--highlight must be "self" \(most time in the node itself\) or "total"/);
    const badNodes = await runCli(['render', run, '--svg', svg, '--max-nodes', '1']);
    assert.equal(badNodes.code, 2);
    assert.match(badNodes.stderr, /--max-nodes must be an integer ≥ 2/);
  });
});
