import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { parseExportPath } from '../src/instrument/export-path.js';
import { loadTargetFile, parseTargetFile } from '../src/instrument/target-file.js';
import { defaultName, resolveTarget, resolveTargets } from '../src/instrument/target.js';
import { loadBuiltInTargets } from '../src/instrument/builtin-targets.js';
import { presetDataDir } from '../src/paths.js';
import { repoRoot } from './helpers.js';

/** An entry of a built-in list in its data file (scripts/build-preset-data.mjs). */
interface BuiltInEntry {
  line: number;
  fieldLines: Record<string, number>;
  spec: unknown;
}

describe('export paths', () => {
  it('parses methods, statics, functions and factory products', () => {
    assert.deepEqual(parseExportPath('InferenceSession.prototype.run'), [
      { kind: 'property', name: 'InferenceSession' },
      { kind: 'property', name: 'prototype' },
      { kind: 'property', name: 'run' },
    ]);
    assert.deepEqual(parseExportPath('createWorker().recognize'), [
      { kind: 'property', name: 'createWorker' },
      { kind: 'call' },
      { kind: 'property', name: 'recognize' },
    ]);
    assert.equal(defaultName('InferenceSession.prototype.run'), 'InferenceSession.run');
    assert.equal(defaultName('createWorker().recognize'), 'createWorker.recognize');
    assert.equal(defaultName('default.prototype._pipeline'), '_pipeline');
  });
  it('rejects malformed paths with the reason', () => {
    assert.throws(() => parseExportPath('a..b'), /"" is not a property name/);
    assert.throws(() => parseExportPath('createWorker()'), /name the method of the returned object/);
    assert.throws(() => parseExportPath('a-b'), /"a-b" is not a property name/);
  });
});

describe('target files', () => {
  it('reads the same targets from YAML, JSON and CSV', () => {
    const yaml = parseTargetFile('targets:\n  - module: pkg\n    export: A.prototype.run\n    stage: detection\n', 'a.yaml');
    const json = parseTargetFile('[{"module": "pkg", "export": "A.prototype.run", "stage": "detection"}]', 'a.json');
    const csv = parseTargetFile('module,export,stage\npkg,A.prototype.run,detection\n', 'a.csv');
    for (const file of [yaml, json, csv]) {
      assert.equal(file.targets.length, 1);
      assert.equal(file.targets[0]?.id, 'pkg#A.prototype.run');
      assert.equal(file.targets[0]?.name, 'A.run');
      assert.equal(file.targets[0]?.stage, 'detection');
    }
  });

  it('names the file, the line of the offending field, and the field (YAML)', () => {
    const text =
      'targets:\n  - module: onnxruntime-node\n    export: InferenceSession.create\n  - module: onnxruntime-node\n    export: InferenceSession.prototype.run\n    stage: detect\n';
    assert.throws(
      () => parseTargetFile(text, 'my.yaml'),
      /^TargetError: my\.yaml:6: field "stage": "detect" is not a stage \(one of load, preprocess, detection/,
    );
  });

  it('names the line of an invalid entry in JSON and CSV, and syntax errors', () => {
    assert.throws(() => parseTargetFile('[\n  {"module": "a", "export": "f"},\n  {"module": "b"}\n]', 't.json'), /t\.json:3: field "export" is required/);
    assert.throws(() => parseTargetFile('module,export\na,f\nb,\n', 't.csv'), /t\.csv:3: field "export" is required/);
    assert.throws(() => parseTargetFile('[{"module": "a",', 't.json'), /t\.json:1: not valid JSON/);
    assert.throws(() => parseTargetFile('targets:\n  - module: a\n    export: f\n    colour: red\n', 't.yaml'), /t\.yaml:4: unknown field "colour"/);
    assert.throws(() => parseTargetFile('x', 't.txt'), /unknown target file type "\.txt"/);
    assert.throws(() => loadTargetFile('/nonexistent/targets.yaml'), /\/nonexistent\/targets\.yaml: cannot read target file \(ENOENT\)/);
  });

  it('a JSON file read without the YAML parser gives what the YAML parser gives: targets, lines, presets, models and every error', () => {
    // The same text as .json (JSON.parse and a line scan) and as .yaml (the YAML parser; JSON is YAML 1.2).
    const texts = [
      '[{"module": "pkg", "export": "A.prototype.run", "stage": "detection"}, {"module": "b", "export": "f", "callback": true}]',
      '{\n  "preset": ["ocr", "onnx"],\n  "description": "d",\n  "targets": [\n    {"module": "a", "export": "f"},\n    {\n      "module": "b",\n      "export": "g",\n      "stage": "recognition"\n    }\n  ],\n  "models": [{"match": "*det*.onnx", "stage": "detection"}]\n}',
      '{"models": [{"match": "*rec*", "stage": "recognition"}]}',
      '{"targets": [], "preset": "ocr"}',
      '{"targets": [{"module": "a", "export": "f\\u0041", "name": "caf\\u00e9 \\"x\\""}]}',
      '[\n  {"module": "a", "export": "f"},\n  {"module": "b"}\n]',
      '[\n  {"module": "a",\n   "export": "f",\n   "colour": "red"}\n]',
      '{"targets": [{"module": "a", "export": "f"}], "colour": 1}',
      '{"targets": {"module": "a"}}',
      '{"models": "x"}',
      '{"preset": 3, "targets": []}',
      '{"targets": [{"module": "a", "export": "f", "module": "b"}]}',
      '{"description": "no targets"}',
      '[{"module": "a",',
      '[\n\n  {"module": "a", "export": "f", "stage": "nope"}]',
    ];
    for (const text of texts) {
      const read = (name: string): string => {
        try {
          return JSON.stringify(parseTargetFile(text, name)).replaceAll(name, 'FILE');
        } catch (error) {
          return (error as Error).message.replaceAll(name, 'FILE').replace('not valid YAML', 'not valid JSON');
        }
      };
      assert.deepEqual(read('t.json'), read('t.yaml'), text);
    }
  });

  it('validates API targets with a location', () => {
    assert.throws(
      () => resolveTarget({ module: 'x y', export: 'f' }, 'options.targets[2]'),
      /options\.targets\[2\]: field "module": "x y" is not a package name/,
    );
    assert.throws(() => resolveTarget('pkg#fn', 'options.targets[0]'), /must be an object/);
  });

  it('a target may name several modules: one target per name, the other fields shared, bad lists named', () => {
    const file = parseTargetFile(
      'targets:\n  - module: [pkg, pkg/dist/wasm.js]\n    export: Net.prototype.run\n    stage: detection\n    hook: face-api.net\n',
      'two.yaml',
    );
    assert.deepEqual(
      file.targets.map((target) => [target.id, target.module, target.spec.module, target.name, target.stage, target.hook, target.source]),
      [
        ['pkg#Net.prototype.run', 'pkg', 'pkg', 'Net.run', 'detection', 'face-api.net', 'two.yaml:2'],
        ['pkg/dist/wasm.js#Net.prototype.run', 'pkg/dist/wasm.js', 'pkg/dist/wasm.js', 'Net.run', 'detection', 'face-api.net', 'two.yaml:2'],
      ],
    );
    assert.deepEqual(
      resolveTargets({ module: ['a', 'b'], export: 'f' }, 'options.targets[0]').map((target) => target.id),
      ['a#f', 'b#f'],
    );
    assert.throws(() => parseTargetFile('targets:\n  - module: []\n    export: f\n', 'e.yaml'), /e\.yaml:2: field "module": an empty list/);
    assert.throws(
      () => parseTargetFile('targets:\n  - export: f\n    module: [a, 3]\n', 'e.yaml'),
      /e\.yaml:3: field "module": item 2 of the list is number 3, not a package name/,
    );
    assert.throws(() => resolveTargets({ module: ['a', 'a'], export: 'f' }, 'opts'), /opts: field "module": "a" is listed twice/);
    assert.throws(() => resolveTargets({ module: ['a', 'x y'], export: 'f' }, 'opts'), /opts: field "module": "x y" is not a package name/);
  });

  it('face-api: each of its 16 targets reaches both the package and its wasm build (32 wrapped exports from 16 entries)', () => {
    const { targets } = loadBuiltInTargets('face-api.yaml');
    assert.equal(targets.length, 32);
    const byExport = new Map<string, string[]>();
    for (const target of targets) byExport.set(target.spec.export, [...(byExport.get(target.spec.export) ?? []), target.module]);
    assert.equal(byExport.size, 16);
    for (const [exportPath, modules] of byExport) {
      assert.deepEqual(modules, ['@vladmandic/face-api', '@vladmandic/face-api/dist/face-api.node-wasm.js'], exportPath);
    }
  });

  it('every built-in preset file is valid, and its built JSON data (build/presets) is there and says what the YAML says now', () => {
    const dir = path.join(repoRoot, 'presets');
    const files = readdirSync(dir).filter((file) => file.endsWith('.yaml'));
    assert.ok(files.includes('onnx.yaml'));
    for (const file of files) {
      const loaded = loadTargetFile(path.join(dir, file), { optional: true });
      assert.ok(loaded.targets.length > 0, `${file} has targets`);
      // loadBuiltInTargets falls back to the YAML without its data file, so
      // the comparison below would pass without one: the file is checked first.
      const dataFile = path.join(presetDataDir, file.replace(/\.yaml$/, '.json'));
      assert.ok(existsSync(dataFile), `${file}: no ${path.relative(repoRoot, dataFile)}; run \`npm run build\` (scripts/build-preset-data.mjs)`);
      // Both parsed: every list entry, every top-level field, as in the YAML (a
      // data file older than an edit of its YAML fails here).
      const data = JSON.parse(readFileSync(dataFile, 'utf8')) as { source: string; targets: BuiltInEntry[]; models?: BuiltInEntry[]; resolvedTargets: unknown };
      const source = parseYaml(readFileSync(path.join(dir, file), 'utf8')) as Record<string, unknown>;
      const { targets: sourceTargets, models: sourceModels, ...sourceFields } = source;
      const { source: dataSource, targets: dataTargets, models: dataModels, resolvedTargets, ...dataFields } = data;
      assert.equal(dataSource, `presets/${file}`);
      assert.deepEqual(
        dataTargets.map((entry) => entry.spec),
        sourceTargets,
        `${file}: targets in ${path.relative(repoRoot, dataFile)}`,
      );
      assert.deepEqual(
        dataModels?.map((entry) => entry.spec),
        sourceModels,
        `${file}: models in ${path.relative(repoRoot, dataFile)}`,
      );
      assert.deepEqual(dataFields, sourceFields, `${file}: top-level fields in ${path.relative(repoRoot, dataFile)}`);
      // The targets resolved at build time, with the lines messages name, are the YAML's resolved now.
      assert.deepEqual(
        (resolvedTargets as { source: string }[]).map((target) => ({ ...target, source: `${path.join(dir, file)}${target.source}` })),
        JSON.parse(JSON.stringify(loaded.targets)),
        `${file}: resolved targets in ${path.relative(repoRoot, dataFile)}`,
      );
      // What start-up loads (resolved at build time, build/presets/*.json) is what the YAML resolves to now.
      const builtIn = loadBuiltInTargets(file);
      // (through JSON: the data file has no `hook: undefined` keys)
      assert.deepEqual(JSON.parse(JSON.stringify(builtIn.targets)), JSON.parse(JSON.stringify(loaded.targets)), `${file}: the build's resolved targets`);
      assert.equal(JSON.stringify(builtIn.models), JSON.stringify(loaded.models), `${file}: models`);
    }
  });
});
