import assert from 'node:assert/strict';
import { chmodSync, lstatSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { writeFileAtomicSync } from '../src/render/atomic-write.js';
import { repoRoot, runNode, tempDir } from './helpers.js';

describe('writeFileAtomicSync (every output file: --json, --svg, --gantt, --trace, compare/bench files)', () => {
  it('writes and replaces whole files, keeping the mode; no temporary file is left', () => {
    const dir = tempDir();
    const file = path.join(dir, 'run.json');
    writeFileAtomicSync(file, 'first\n');
    assert.equal(readFileSync(file, 'utf8'), 'first\n');
    chmodSync(file, 0o600);
    writeFileAtomicSync(file, 'second\n');
    assert.equal(readFileSync(file, 'utf8'), 'second\n');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.deepEqual(readdirSync(dir), ['run.json']);
  });

  it('follows a symbolic link (the link stays) and writes devices in place', () => {
    const dir = tempDir();
    const real = path.join(dir, 'real.svg');
    const link = path.join(dir, 'link.svg');
    writeFileSync(real, 'old');
    symlinkSync(real, link);
    writeFileAtomicSync(link, 'new');
    assert.ok(lstatSync(link).isSymbolicLink());
    assert.equal(readFileSync(real, 'utf8'), 'new');
    writeFileAtomicSync('/dev/null', 'discarded'); // renaming over /dev/null would replace the device
    assert.ok(statSync('/dev/null').isCharacterDevice());
    assert.throws(() => writeFileAtomicSync('/dev/full', 'x'), /ENOSPC/);
  });

  it('a failure half-way (file-size limit) leaves the previous file intact', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'run.json');
    writeFileSync(file, '{"previous":"valid"}\n');
    const writer = `import('${path.join(repoRoot, 'build/src/render/atomic-write.js')}').then((m) => m.writeFileAtomicSync(${JSON.stringify(file)}, 'x'.repeat(4 * 1024 * 1024)))`;
    // ulimit -f 64: at most 64 blocks of 512 bytes per file; the 4 MiB write fails part-way.
    const result = await runNode([
      '-e',
      `require('node:child_process').execFileSync('bash', ['-c', 'ulimit -f 64; exec "$0" -e "$1"', process.execPath, ${JSON.stringify(writer)}], { stdio: 'inherit' })`,
    ]);
    assert.notEqual(result.code, 0, 'the write failed');
    assert.match(result.stderr, /EFBIG/, 'because of the size limit');
    assert.equal(readFileSync(file, 'utf8'), '{"previous":"valid"}\n');
    assert.deepEqual(readdirSync(dir), ['run.json'], 'the temporary file was removed');
  });
});
