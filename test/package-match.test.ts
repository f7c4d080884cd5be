import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { packageEntryOfFile, packageNameOfFile } from '../src/instrument/package-of-file.js';
import { fixture, readRun, repoRoot, runCli, runNode, spanIndex, tempDir } from './helpers.js';

const targets = fixture('targets/linked.yaml');
const lib = fixture('linked-lib');

describe('libraries loaded by a relative path (nearest package.json)', () => {
  it('names the package a file belongs to, and only its entries as the package', () => {
    assert.equal(packageNameOfFile(path.join(lib, 'lib/internal.js')), 'fake-linked-lib');
    assert.equal(packageNameOfFile(path.join(lib, 'examples/node/recognize.js')), 'fake-linked-lib');
    assert.equal(packageEntryOfFile(path.join(lib, 'lib/index.js')), 'fake-linked-lib', 'main / exports require');
    assert.equal(packageEntryOfFile(path.join(lib, 'lib/index.mjs')), 'fake-linked-lib', 'exports import');
    assert.equal(packageEntryOfFile(path.join(lib, 'lib/internal.js')), undefined, 'an internal file is not the package');
    const faceApi = path.join(repoRoot, 'node_modules/@vladmandic/face-api/dist');
    assert.equal(packageEntryOfFile(path.join(faceApi, 'face-api.node.js')), '@vladmandic/face-api');
    assert.equal(
      packageEntryOfFile(path.join(faceApi, 'face-api.node-wasm.js')),
      '@vladmandic/face-api',
      'a sibling build of main (face-api demo loads ../dist/)',
    );
    assert.equal(packageEntryOfFile('relative/file.js'), undefined);
    assert.equal(packageEntryOfFile(path.join(lib, 'lib/index.d.ts')), undefined, 'only .js, .mjs and .cjs files are entries');
  });

  it('asks whether the package is watched before it works out its entries', () => {
    const asked: string[] = [];
    const watchedOnly = (names: string[]) => (name: string) => {
      asked.push(name);
      return names.includes(name);
    };
    assert.equal(packageEntryOfFile(path.join(lib, 'lib/index.js'), watchedOnly(['sharp'])), undefined, 'an unwatched package is not matched');
    assert.equal(packageEntryOfFile(path.join(lib, 'lib/index.js'), watchedOnly(['fake-linked-lib'])), 'fake-linked-lib');
    assert.equal(
      packageEntryOfFile(path.join(lib, 'lib/index.mjs'), watchedOnly(['fake-linked-lib'])),
      'fake-linked-lib',
      'entries worked out once serve the next file',
    );
    assert.equal(
      packageEntryOfFile(path.join(lib, 'lib/internal.js'), watchedOnly(['fake-linked-lib'])),
      undefined,
      "a watched package's internal file is still not an entry",
    );
    assert.deepEqual(asked, ['fake-linked-lib', 'fake-linked-lib', 'fake-linked-lib', 'fake-linked-lib']);
  });

  for (const script of ['recognize.js', 'recognize.mjs']) {
    it(`traces a library its own example loads by a relative path (${script}), output unchanged`, async () => {
      const file = path.join(lib, 'examples/node', script);
      const plain = await runNode([file]);
      const json = path.join(tempDir(), 'run.json');
      const traced = await runCli(['run', '--targets', targets, '--json', json, '--quiet', '--', file]);
      assert.equal(traced.code, 0, traced.stderr);
      assert.equal(traced.stdout, plain.stdout);
      assert.equal(traced.stderr, '', 'no "module cannot be found" warning for a script inside the package');
      const doc = readRun(json);
      assert.equal(doc.wrappedCalls, 1);
      const [span] = spanIndex(doc).named('recognize');
      assert.deepEqual([span?.stage, span?.target], ['recognition', 'fake-linked-lib#recognize']);
    });
  }

  // The module hooks skip the package.json lookup for a library's own relative
  // loads inside node_modules; a relative path that leads into a watched
  // package (another library's `require('../watched')`) must still be matched.
  it('matches a watched package that another library in node_modules loads by a relative path, CJS and ESM', async () => {
    const dir = tempDir();
    const modules = path.join(dir, 'node_modules');
    const write = (file: string, text: string): void => {
      mkdirSync(path.dirname(path.join(modules, file)), { recursive: true });
      writeFileSync(path.join(modules, file), text);
    };
    write('watched-lib/package.json', JSON.stringify({ name: 'watched-lib', main: 'index.js' }));
    write('watched-lib/index.js', "const { tag } = require('./lib/tag.js');\nexports.recognize = (x) => tag(x);\n");
    write('watched-lib/lib/tag.js', 'exports.tag = (x) => `[${x}]`;\n');
    write('other-lib/package.json', JSON.stringify({ name: 'other-lib', main: 'index.js', exports: { require: './index.js', import: './index.mjs' } }));
    write('other-lib/index.js', "module.exports = require('../watched-lib');\n");
    write('other-lib/index.mjs', "export { recognize } from '../watched-lib/index.js';\n");
    const targetFile = path.join(dir, 'targets.yaml');
    writeFileSync(targetFile, 'targets:\n  - { module: watched-lib, export: recognize, stage: recognition }\n');
    const scripts = {
      'app.cjs': "const { recognize } = require('other-lib');\nconsole.log(recognize('a.png'));\n",
      'app.mjs': "import { recognize } from 'other-lib';\nconsole.log(recognize('a.png'));\n",
    };
    for (const [name, text] of Object.entries(scripts)) {
      const script = path.join(dir, name);
      writeFileSync(script, text);
      const json = path.join(dir, `${name}.json`);
      const traced = await runCli(['run', '--targets', targetFile, '--json', json, '--quiet', '--', script]);
      assert.equal(traced.code, 0, traced.stderr);
      assert.equal(traced.stdout, '[a.png]\n', name);
      const doc = readRun(json);
      assert.equal(doc.wrappedCalls, 1, `${name}: ${JSON.stringify(doc.diagnostics)}`);
      assert.equal(spanIndex(doc).named('recognize')[0]?.target, 'watched-lib#recognize', name);
    }
  });

  // The hooks skip the lookup for a watched package's own relative requires
  // while the app loads that package by name; a package file run as the script
  // (a bin or example inside node_modules) reaches the entry only by a relative
  // require, and must still be matched.
  it("matches a watched package's entry that its own bin script in node_modules loads by a relative path (require and import)", async () => {
    const dir = tempDir();
    const pkg = path.join(dir, 'node_modules', 'watched-cli');
    mkdirSync(path.join(pkg, 'bin'), { recursive: true });
    writeFileSync(path.join(pkg, 'package.json'), JSON.stringify({ name: 'watched-cli', main: 'index.js' }));
    writeFileSync(path.join(pkg, 'index.js'), "const { tag } = require('./tag.js');\nexports.recognize = (x) => tag(x);\n");
    writeFileSync(path.join(pkg, 'tag.js'), 'exports.tag = (x) => `[${x}]`;\n');
    writeFileSync(path.join(pkg, 'bin', 'cli.js'), "const { recognize } = require('../index.js');\nconsole.log(recognize('a.png'));\n");
    writeFileSync(path.join(pkg, 'bin', 'cli.mjs'), "import { recognize } from '../index.js';\nconsole.log(recognize('a.png'));\n");
    const targetFile = path.join(dir, 'targets.yaml');
    writeFileSync(targetFile, 'targets:\n  - { module: watched-cli, export: recognize, stage: recognition }\n');
    for (const bin of ['cli.js', 'cli.mjs']) {
      const json = path.join(dir, `${bin}.json`);
      const traced = await runCli(['run', '--targets', targetFile, '--json', json, '--quiet', '--', path.join(pkg, 'bin', bin)]);
      assert.equal(traced.code, 0, traced.stderr);
      assert.equal(traced.stdout, '[a.png]\n', bin);
      const doc = readRun(json);
      assert.equal(doc.wrappedCalls, 1, `${bin}: ${JSON.stringify(doc.diagnostics)}`);
      assert.equal(spanIndex(doc).named('recognize')[0]?.target, 'watched-cli#recognize', bin);
    }
  });

  it('says so when the package was loaded but never matched (only an internal file)', async () => {
    const json = path.join(tempDir(), 'run.json');
    const result = await runCli(['run', '--targets', targets, '--json', json, '--quiet', '--', path.join(lib, 'examples/node/internal.js')]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, '[c.png]\n');
    const doc = readRun(json);
    assert.equal(doc.wrappedCalls, 0);
    const diagnostic = doc.diagnostics.find((d) => d.code === 'SS_PACKAGE_NOT_MATCHED');
    assert.ok(diagnostic !== undefined, JSON.stringify(doc.diagnostics));
    assert.match(diagnostic.message, /fake-linked-lib was loaded \(.*lib\/internal\.js\)/);
    assert.match(result.stderr, /warning \[SS_PACKAGE_NOT_MATCHED\]/);
  });
});
