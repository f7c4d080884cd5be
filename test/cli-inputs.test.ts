import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fixture, runCli, runNode, tempDir } from './helpers.js';

/** A YAML "billion laughs": 9^7 references through aliases. */
function aliasBomb(): string {
  const file = path.join(tempDir(), 'bomb.yaml');
  const lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  const names = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];
  for (let i = 1; i < names.length; i++)
    lines.push(
      `${names[i]}: &${names[i]} [${Array(9)
        .fill(`*${names[i - 1]}`)
        .join(',')}]`,
    );
  lines.push('targets: [*g]');
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

describe('bad input exits 2 with a message (no stack), output failures never change the exit code', () => {
  it('a YAML alias bomb as target file: CLI and --import', async () => {
    const bomb = aliasBomb();
    const cli = await runCli(['run', '--targets', bomb, '--', fixture('scripts/exit-code.mjs')]);
    assert.equal(cli.code, 2);
    assert.match(cli.stderr, /^stagescope: .*bomb\.yaml: cannot read the targets: .*alias/m);
    assert.doesNotMatch(cli.stderr, /\n\s+at /, 'no stack');
    assert.equal(cli.stdout, '', 'the script did not run');
    const imported = await runNode(['--import', 'stagescope/register', fixture('scripts/exit-code.mjs')], { env: { STAGESCOPE_TARGETS: bomb } });
    assert.equal(imported.code, 2);
    assert.match(imported.stderr, /^stagescope: cannot start the custom preset \(target files: .*bomb\.yaml\): .*alias/m);
    assert.equal(imported.stdout, '');
  });

  it('a directory as script', async () => {
    const result = await runCli(['run', '--preset', 'onnx', '--', fixture('scripts')]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /^stagescope: .*scripts is a directory; give the script file to run/m);
  });

  it('compare --md /dev/full: one clean message', async () => {
    const run = fixture('runs/ocr-run.json');
    const result = await runCli(['compare', run, run, '--md', '/dev/full']);
    assert.equal(result.code, 2);
    assert.equal(result.stderr, 'stagescope: could not write the Markdown table to /dev/full: no space left on the device\n');
  });

  it("--json, --gantt and --trace that cannot be written leave the script's exit code and output alone", async () => {
    const missing = path.join(tempDir(), 'no-such-dir');
    const result = await runCli([
      'run',
      '--targets',
      fixture('targets/fake.yaml'),
      '--quiet',
      '--json',
      path.join(missing, 'run.json'),
      '--gantt',
      '/dev/full',
      '--trace',
      path.join(missing, 't.json'),
      '--',
      fixture('scripts/exit-code.mjs'),
      'a',
    ]);
    assert.equal(result.code, 3, "the script's own exit code");
    assert.equal(result.stdout, `${JSON.stringify({ argv: ['a'], sum: 3 })}\n`);
    assert.match(result.stderr, /could not write the run document to .*no-such-dir\/run\.json/);
    assert.match(result.stderr, /could not write the Gantt chart to \/dev\/full/);
    assert.match(result.stderr, /could not write the trace .* to .*no-such-dir\/t\.json/);
  });
});
