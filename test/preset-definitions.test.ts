import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import * as stagescope from '../src/index.js';
import { loadTargetFile } from '../src/instrument/target-file.js';
import { presetDefinitions, presetDescriptions, presetNames } from '../src/presets/registry.js';
import { repoRoot, runCli } from './helpers.js';

/** Which presets load each file, according to the definitions table. */
function presetsLoading(file: string): string[] {
  return presetDefinitions.filter((definition) => definition.targetFiles.includes(file)).map((definition) => definition.name);
}

/** The built-in file a target came from (`…/presets/onnx.yaml:12` → `onnx.yaml`). */
function fileOf(source: string): string {
  return path.basename(source.replace(/:\d+$/, ''));
}

describe('preset definitions (PRESET_DEFINITIONS, src/presets/definitions.ts): one declaration per preset', () => {
  it('every presets/*.yaml names in its `preset:` header exactly the presets whose definition loads it', () => {
    const files = readdirSync(path.join(repoRoot, 'presets')).filter((file) => /\.ya?ml$/.test(file));
    assert.ok(files.length > 0);
    for (const file of files) {
      const header = loadTargetFile(path.join(repoRoot, 'presets', file)).presets ?? [];
      assert.deepEqual([...header].sort(), presetsLoading(file).sort(), `presets/${file}: "preset:" header vs definitions`);
    }
  });

  it('every target file a definition names exists in presets/', () => {
    for (const definition of presetDefinitions) {
      for (const file of definition.targetFiles) assert.ok(existsSync(path.join(repoRoot, 'presets', file)), `${definition.name}: presets/${file} is missing`);
    }
  });

  it('each preset class has its definition: name, exported class, built-in target files in order', () => {
    for (const definition of presetDefinitions) {
      const preset = stagescope.createPreset(definition.name, { quiet: true });
      assert.equal(preset.name, definition.name);
      const className = definition.className ?? 'Preset';
      assert.equal(preset.constructor.name, className, `${definition.name}: class`);
      assert.equal((stagescope as Record<string, unknown>)[className], preset.constructor, `${className} is exported from the package`);
      const loaded = [...new Set(preset.targets.map((target) => fileOf(target.source)))];
      assert.deepEqual(loaded, [...definition.targetFiles], `${definition.name}: target files loaded`);
      const bare = stagescope.createPreset(definition.name, { quiet: true, builtInTargets: false });
      assert.equal(bare.targets.length, 0, `${definition.name}: builtInTargets: false loads no built-in file`);
    }
  });

  it('the registry and `stagescope presets` list the definitions, in order, with their descriptions', async () => {
    const builtIn = presetDefinitions.map((definition) => [definition.name, definition.description]);
    assert.deepEqual(presetDescriptions().slice(0, builtIn.length), builtIn);
    assert.deepEqual(
      presetNames().slice(0, builtIn.length),
      builtIn.map(([name]) => name),
    );
    const result = await runCli(['presets']);
    assert.equal(result.code, 0, result.stderr);
    const lines = result.stdout.trimEnd().split('\n');
    assert.deepEqual(
      lines.map((line) => line.split(/\s+/, 1)[0]),
      builtIn.map(([name]) => name),
    );
    for (const [index, [, description]] of builtIn.entries()) assert.ok(lines[index]!.endsWith(description!), lines[index]);
  });

  it('the presets table of docs/target-files.md is generated from the definitions (npm run docs:presets)', async () => {
    const result = await promisify(execFile)(process.execPath, ['scripts/render-presets-docs.mjs', '--check'], { cwd: repoRoot }).then(
      () => ({ failed: false, stderr: '' }),
      (error: { stderr?: string }) => ({ failed: true, stderr: error.stderr ?? String(error) }),
    );
    assert.equal(result.failed, false, result.stderr);
  });

  it('each preset page under docs/presets/ names exactly its definition’s target files', async () => {
    const { readFileSync } = await import('node:fs');
    for (const definition of presetDefinitions) {
      const page = path.join(repoRoot, 'docs/presets', `${definition.name}.md`);
      if (!existsSync(page)) continue;
      const named = new Set([...readFileSync(page, 'utf8').matchAll(/presets\/([a-z-]+\.yaml)/g)].map((match) => match[1]));
      for (const file of definition.targetFiles) assert.ok(named.has(file), `docs/presets/${definition.name}.md does not name presets/${file}`);
    }
  });
});
