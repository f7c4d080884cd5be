import assert from 'node:assert/strict';
import { chmodSync, closeSync, existsSync, fstatSync, mkdirSync, openSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { RunDocument } from '../src/core/run-document.js';
import { nodeFlagsKey, StartupReads } from '../src/register/code-cache.js';
import { fixture, repoRoot, runNode, tempDir } from './helpers.js';

/**
 * The bundled `--import` entries compile the one-script runtime with V8's code
 * cache (register/code-cache.ts): a first run compiles from source and writes
 * the cache, later runs read it; a cache that is not the user's own, or not
 * V8's, is never used; the app sees none of it.
 */
const script = [`console.log('out', process.argv.slice(2).join(' '));`, `console.error('err');`, `process.exitCode = 3;`].join('\n');

async function tracedRun(
  cacheDir: string,
  nodeFlags: string[] = [],
): Promise<{ code: number | null; stdout: string; stderr: string; status: string | undefined; startupNs: number | undefined }> {
  const dir = tempDir();
  const file = path.join(dir, 'app.mjs');
  writeFileSync(file, script);
  const json = path.join(dir, 'run.json');
  const result = await runNode([...nodeFlags, '--import', 'stagescope/register/ocr', file, 'a', 'b'], {
    env: { STAGESCOPE_CODE_CACHE: cacheDir, STAGESCOPE_JSON: json, STAGESCOPE_QUIET: '1' },
  });
  const doc = JSON.parse(readFileSync(json, 'utf8')) as RunDocument;
  return { ...result, status: doc.overhead?.startupCodeCache, startupNs: doc.overhead?.startupNs };
}

function cacheFiles(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir) : [];
}

describe('code cache of the runtime script', () => {
  it('the first run compiles from source and writes a private cache; the next run starts from it; the app sees the same either way', async () => {
    const cache = path.join(tempDir(), 'cache');
    const first = await tracedRun(cache);
    assert.equal(first.status, 'miss');
    const files = cacheFiles(cache);
    assert.equal(files.length, 1, `one cache file: ${files.join(', ')}`);
    assert.match(files[0]!, new RegExp(`^runtime-[0-9a-f]{16}-ocr-${process.version.replace(/\./g, '\\.')}-${process.arch}\\.bin$`), 'one file per preset');
    if (process.platform !== 'win32') {
      assert.equal(statSync(cache).mode & 0o777, 0o700, 'the directory is the user’s own');
      assert.equal(statSync(path.join(cache, files[0]!)).mode & 0o777, 0o600);
    }
    const second = await tracedRun(cache);
    assert.equal(second.status, 'hit');
    for (const run of [first, second]) {
      assert.equal(run.code, 3);
      assert.equal(run.stdout, 'out a b\n');
      assert.equal(run.stderr, 'err\n');
      assert.equal(typeof run.startupNs, 'number');
    }
  });

  it('a cache made by a run without wrapped calls is written again once, by the first run with some; then never again', async () => {
    const cache = path.join(tempDir(), 'cache');
    const run = (script: string, env: NodeJS.ProcessEnv = {}): Promise<unknown> =>
      runNode(['--import', 'stagescope/register', script], {
        env: { STAGESCOPE_CODE_CACHE: cache, STAGESCOPE_TARGETS: fixture('targets', 'fake.yaml'), STAGESCOPE_QUIET: '1', ...env },
      });
    const noCalls = path.join(tempDir(), 'no-calls.mjs');
    writeFileSync(noCalls, 'console.log("nothing traced");\n');
    await run(noCalls);
    const [name] = cacheFiles(cache);
    assert.match(name!, /-custom-/);
    const file = path.join(cache, name!);
    const covered = (): string[] => readFileSync(file, 'latin1').split('\n', 2)[1]!.trimEnd().split(',');
    assert.equal(readFileSync(file, 'latin1').split('\n', 1)[0], 'stagescope-code-cache 1');
    assert.ok(!covered().includes('calls'), covered().join(','));
    const madeBy = statSync(file).ino;
    // Traced calls run the wrapper's call path, whose functions were not in the cache.
    const withCalls = fixture('behaviour', 'entry-point.cjs');
    await run(withCalls);
    assert.ok(covered().includes('calls'), covered().join(','));
    const bytes = readFileSync(file);
    assert.equal((bytes.indexOf(10, bytes.indexOf(10) + 1) + 1) % 16, 0, "V8's data starts 16-byte aligned (V8 copies unaligned data)");
    const grown = statSync(file).ino;
    assert.notEqual(grown, madeBy, 'written again (atomically: a new file)');
    await run(withCalls);
    await run(withCalls, { STAGESCOPE_QUIET: '0' }); // the text tree too: more than the cache has, still not written
    await run(noCalls);
    assert.equal(statSync(file).ino, grown, 'written once only');
    assert.deepEqual(cacheFiles(cache), [name], 'same preset, same file');
  });

  it('runs under other V8 flags keep a cache of their own: alternating `--expose-gc` and plain runs compile once each, then always hit', async () => {
    const cache = path.join(tempDir(), 'cache');
    const statuses: (string | undefined)[] = [];
    for (const flags of [[], ['--expose-gc'], [], ['--expose-gc'], ['--stack-size=900'], []]) {
      const run = await tracedRun(cache, flags);
      assert.equal(run.code, 3, run.stderr);
      statuses.push(run.status);
    }
    // Before: the --expose-gc run rejected the plain run's cache and wrote its own, which the next plain run rejected.
    assert.deepEqual(statuses, ['miss', 'miss', 'hit', 'hit', 'miss', 'hit']);
    assert.equal(cacheFiles(cache).length, 3, cacheFiles(cache).join(', '));
  });

  it('nodeFlagsKey: only flags count, in any order; module preloads and -e code do not', () => {
    assert.equal(nodeFlagsKey([], undefined), '');
    assert.equal(nodeFlagsKey(['--import', 'stagescope/register/ocr', '-e', 'console.log(1)'], '--import=file:///x/linked.js --require ./r.cjs'), '');
    const gc = nodeFlagsKey(['--expose-gc'], undefined);
    assert.match(gc, /^[0-9a-f]{8}$/);
    assert.equal(nodeFlagsKey(['--import', 'a.mjs', '--expose-gc'], undefined), gc);
    assert.equal(nodeFlagsKey([], '--expose-gc'), gc, 'NODE_OPTIONS counts as the command line does');
    assert.equal(nodeFlagsKey(['--expose-gc', '--stack-size=900'], undefined), nodeFlagsKey(['--stack-size=900'], '--expose-gc'));
    assert.notEqual(nodeFlagsKey(['--stack-size=900'], undefined), nodeFlagsKey(['--stack-size=901'], undefined));
  });

  it('start-up reads go through one buffer: the cache lands in the memory the source was read into', () => {
    const dir = tempDir();
    const sourceFile = path.join(dir, 'runtime.js');
    const cacheFile = path.join(dir, 'cache.bin');
    const source = 'x'.repeat(100_000);
    const cache = Buffer.alloc(150_000, 7);
    writeFileSync(sourceFile, source);
    writeFileSync(cacheFile, cache);
    const reads = new StartupReads();
    assert.equal(reads.readLatin1(sourceFile), source);
    const readWhole = (file: string, sizeBytes?: number): Buffer => {
      const fd = openSync(file, 'r');
      try {
        return reads.read(fd, sizeBytes ?? fstatSync(fd).size);
      } finally {
        closeSync(fd);
      }
    };
    const sourceBytes = readWhole(sourceFile);
    const cacheBytes = readWhole(cacheFile);
    assert.ok(cacheBytes.equals(cache));
    assert.equal(cacheBytes.buffer, sourceBytes.buffer, "a file up to twice the first one's size reuses its memory");
    // A file larger than it was stat'ed (it grew meanwhile) is still read whole.
    const large = Buffer.alloc(700_000, 9);
    writeFileSync(cacheFile, large);
    assert.ok(readWhole(cacheFile, 10).equals(large));
    assert.ok(readWhole(cacheFile).equals(large));
  });

  it('STAGESCOPE_CODE_CACHE=off reads and writes nothing', async () => {
    const run = await tracedRun('off');
    assert.equal(run.status, 'off');
    assert.equal(run.stdout, 'out a b\n');
  });

  it('a directory others can write to is never read or written (code cache is code)', async (t) => {
    if (process.platform === 'win32') {
      t.skip('POSIX permissions');
      return;
    }
    const cache = path.join(tempDir(), 'shared');
    mkdirSync(cache);
    chmodSync(cache, 0o777);
    const first = await tracedRun(cache);
    assert.equal(first.status, 'miss');
    assert.deepEqual(cacheFiles(cache), [], 'nothing written into a shared directory');
    // A cache planted there by someone else is not read either.
    const own = path.join(tempDir(), 'own');
    await tracedRun(own);
    const [name] = cacheFiles(own);
    writeFileSync(path.join(cache, name!), readFileSync(path.join(own, name!)));
    const second = await tracedRun(cache);
    assert.equal(second.status, 'miss');
    assert.equal(second.stdout, 'out a b\n');
  });

  it('a cache V8 does not accept (corrupt, another Node) is compiled over and written again', async () => {
    const cache = path.join(tempDir(), 'cache');
    await tracedRun(cache);
    const [name] = cacheFiles(cache);
    writeFileSync(path.join(cache, name!), 'not a code cache');
    const rejected = await tracedRun(cache);
    assert.equal(rejected.status, 'rejected');
    assert.equal(rejected.code, 3);
    assert.equal(rejected.stdout, 'out a b\n');
    assert.equal(rejected.stderr, 'err\n');
    assert.equal((await tracedRun(cache)).status, 'hit');
  });

  it('the runtime script is ASCII and calls no import() of its own (a vm script has no module loader)', () => {
    const text = readFileSync(path.join(repoRoot, 'build/bundle/register/runtime.js'), 'latin1');
    assert.equal(text.search(/[\u0080-\uffff]/), -1);
    assert.equal(text.search(/(?<![\w$.])import\(/), -1);
    assert.match(text, /__stagescopeImport\(/, 'dynamic imports go through the entry');
  });
});
