import assert from 'node:assert/strict';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, it } from 'node:test';
import { LINKED_REGISTER_URL, parseLink, portableOptions, REACH_ENV, type ReachLink } from '../src/reach/link.js';
import { linkedPresetOptions } from '../src/register/linked-mode.js';
import { keptPresetFields } from '../src/presets/options/preset-fields.js';
import { linkedEnvPairs } from '../src/reach/spawn-patch.js';
import { registerEntryImportsFirst, registerEntryImportsLast } from '../src/reach/preloads.js';
import { unlinkedEnvPairs, withoutStagescopeImports } from '../src/reach/unlinked-env.js';
import { repoRoot } from './helpers.js';

const link: ReachLink = {
  linkId: '1-0-1',
  kind: 'process',
  parentSpanId: '2',
  channel: 'c',
  dir: '/tmp/d',
  preset: 'onnx',
  options: {},
  basedirs: ['/app'],
  label: 'child.mjs',
};

describe('what a traced run hands to its workers and children (reach links)', () => {
  it("passes the preset's portable options, never its outputs, and prints nothing in the worker/child", () => {
    const portable = portableOptions(
      {
        targets: ['rel/targets.yaml', { module: 'x', export: 'y' }],
        json: 'run.json',
        svg: 'g.svg',
        gantt: 'g2.svg',
        trace: 't.json',
        quiet: false,
        compact: true,
        maxSpans: 50,
        maxOverheadPct: Infinity,
        probes: ['cpu', { name: 'custom', start: () => undefined, end: () => undefined }],
        models: [{ match: 'plate-detector*.onnx', stage: 'detection' }],
        ops: true,
      } as Parameters<typeof portableOptions>[0] & { ops: boolean },
      keptPresetFields(),
    );
    assert.deepEqual(JSON.parse(JSON.stringify(portable)), {
      targets: [path.resolve('rel/targets.yaml'), { module: 'x', export: 'y' }],
      maxSpans: 50,
      maxOverheadPct: null,
      probes: ['cpu'],
      models: [{ match: 'plate-detector*.onnx', stage: 'detection' }],
      extra: { ops: true },
    });
    const options = linkedPresetOptions(JSON.parse(JSON.stringify(portable)) as typeof portable) as Record<string, unknown>;
    assert.equal(options.maxOverheadPct, Infinity);
    assert.equal(options.quiet, true);
    assert.equal(options.ops, true);
    assert.deepEqual(options.models, [{ match: 'plate-detector*.onnx', stage: 'detection' }], 'model rules reach the worker');
    for (const key of ['json', 'svg', 'gantt', 'trace']) assert.equal(options[key], undefined, key);
  });

  it('a node child gets the link and the register module in NODE_OPTIONS, keeping its own options', () => {
    const pairs = linkedEnvPairs(['PATH=/bin', 'NODE_OPTIONS=--max-old-space-size=100', `${REACH_ENV}={"old":true}`, 'A=b=c'], link);
    assert.deepEqual(pairs.slice(0, 2), ['PATH=/bin', 'A=b=c']);
    const nodeOptions = pairs.find((pair) => pair.startsWith('NODE_OPTIONS='))!;
    assert.match(nodeOptions, /^NODE_OPTIONS=--max-old-space-size=100 --import=file:\/\/\S+\/register\/linked\.js$/);
    const reach = pairs.filter((pair) => pair.startsWith(`${REACH_ENV}=`));
    assert.equal(reach.length, 1, 'an inherited link is replaced, not doubled');
    assert.deepEqual(parseLink(reach[0]!.slice(REACH_ENV.length + 1)), link);
    // Already there (a grandchild of a linked child): not added twice.
    const again = linkedEnvPairs(pairs, link);
    assert.equal(
      again.find((pair) => pair.startsWith('NODE_OPTIONS=')),
      nodeOptions,
    );
  });

  it("any other child (a shell) gets the app's environment without stagescope's link and --import", () => {
    const register = path.join(repoRoot, 'build/src/register');
    const linked = `--import=${pathToFileURL(path.join(register, 'linked.js')).href}`;
    assert.deepEqual(unlinkedEnvPairs(['PATH=/bin', `NODE_OPTIONS=--max-old-space-size=100 ${linked}`, `${REACH_ENV}={"linkId":"x"}`, 'A=b=c']), [
      'PATH=/bin',
      'NODE_OPTIONS=--max-old-space-size=100',
      'A=b=c',
    ]);
    assert.deepEqual(unlinkedEnvPairs([`NODE_OPTIONS=${linked}`, 'B=1']), ['B=1'], 'nothing left: no NODE_OPTIONS at all');
    assert.equal(unlinkedEnvPairs(['PATH=/bin', 'NODE_OPTIONS=--max-old-space-size=100']), undefined, 'nothing of ours: the pairs are left alone');
    const cases: [string, string][] = [
      ['--import stagescope/register/onnx --trace-warnings', '--trace-warnings'],
      ['--import=stagescope/register', ''],
      [`--enable-source-maps --import ${path.join(register, 'index.js')}`, '--enable-source-maps'],
      [`--import "${path.join(register, 'ocr.js')}" -r ./setup.cjs`, '-r ./setup.cjs'],
      ['--import ./my-register.js --import=stagescope-other/register', '--import ./my-register.js --import=stagescope-other/register'],
      ['--title="a b" --import stagescope/register/tfjs.js', '--title="a b"'],
      // The bundled entries the package exports, which linked workers and children import (LINKED_REGISTER_URL).
      [`--import ${LINKED_REGISTER_URL} --max-old-space-size=100`, '--max-old-space-size=100'],
      [`--import=${path.join(repoRoot, 'build/bundle/register/ocr.js')}`, ''],
      // The `--require` twins (build/bundle/register/*.cjs), in every form Node takes.
      ['-r stagescope/register/ocr --trace-warnings', '--trace-warnings'],
      ['--require=stagescope/register/onnx.cjs -r ./setup.cjs', '-r ./setup.cjs'],
      [`--require "${path.join(repoRoot, 'build/bundle/register/sharp.cjs')}"`, ''],
      ['-r stagescope-other/register', '-r stagescope-other/register'],
    ];
    for (const [given, kept] of cases) assert.equal(withoutStagescopeImports(given), kept, given);
  });

  it("knows when stagescope's register entry is the last module imported before the script (start-up ends when the script starts loading)", () => {
    assert.equal(registerEntryImportsLast(['--import', 'stagescope/register/ocr'], ''), true);
    assert.equal(registerEntryImportsLast([], ''), true, 'nothing imported: the CLI starts the script itself');
    assert.equal(registerEntryImportsLast(['--import', 'stagescope/register/ocr', '--import', 'tsx'], ''), false, 'tsx runs after it');
    assert.equal(registerEntryImportsLast(['--import=tsx'], '--import stagescope/register'), false, 'NODE_OPTIONS come first');
    assert.equal(registerEntryImportsLast(['--import', LINKED_REGISTER_URL], '--import tsx'), true);
    assert.equal(registerEntryImportsLast(['--import', './build/bundle/register/onnx.js', '-r', 'dotenv/config'], ''), true, '-r runs before any --import');
    assert.equal(registerEntryImportsLast(['--import', 'stagescope/register', '--experimental-loader', './loader.mjs'], ''), false);
    // A `--require` entry runs before the end of Node's own bootstrap: the gap to the script is never stagescope's.
    assert.equal(registerEntryImportsLast(['-r', 'stagescope/register/ocr'], ''), false, 'the rest of the bootstrap runs after it');
    assert.equal(registerEntryImportsLast(['--require=stagescope/register/ocr', '-r', './setup.cjs'], ''), false);
    assert.equal(registerEntryImportsLast([], '--require stagescope/register'), false, 'from NODE_OPTIONS too');
  });

  it("knows when stagescope's register entry is the first module imported (what Node did before its first line was for that flag)", () => {
    assert.equal(registerEntryImportsFirst(['--import', 'stagescope/register/ocr'], ''), true);
    assert.equal(registerEntryImportsFirst(['--import=stagescope/register/onnx', '--import', 'tsx'], ''), true, 'tsx runs after it');
    assert.equal(registerEntryImportsFirst([], ''), false, 'nothing imported: the CLI');
    assert.equal(registerEntryImportsFirst(['--import', 'tsx', '--import', 'stagescope/register/ocr'], ''), false, 'tsx ran first');
    assert.equal(registerEntryImportsFirst(['--import', 'stagescope/register'], '--import tsx'), false, 'NODE_OPTIONS come first');
    assert.equal(registerEntryImportsFirst(['--import', 'tsx'], '--import stagescope/register/sharp'), true);
    assert.equal(
      registerEntryImportsFirst(['-r', 'dotenv/config', '--import', './build/bundle/register/onnx.js'], ''),
      true,
      '-r preloads run during the bootstrap',
    );
    assert.equal(registerEntryImportsFirst(['--experimental-loader', './loader.mjs', '--import', 'stagescope/register'], ''), false);
    assert.equal(registerEntryImportsFirst(['-r', 'stagescope/register/ocr'], ''), false, 'a --require entry: no module loader started for it');
    assert.equal(registerEntryImportsFirst(['-r', 'stagescope/register/ocr', '--import', 'tsx'], ''), false);
  });

  it('ignores a malformed link (the process then runs as if untraced)', () => {
    assert.equal(parseLink('not json'), undefined);
    assert.equal(parseLink({ linkId: 1 }), undefined);
    assert.equal(parseLink(undefined), undefined);
  });
});
