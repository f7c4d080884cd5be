import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BenchRunError } from '../src/compare/bench-script.js';
import { CliError } from '../src/core/cli-error.js';
import { ERROR_CODES, type ErrorCode } from '../src/core/codes.js';
import { documentError, optionError, StagescopeError } from '../src/core/errors.js';
import { ScriptNotFoundError } from '../src/driver/script-file.js';
import { ExportPathError } from '../src/instrument/export-path.js';
import { TargetError } from '../src/instrument/target.js';
import { OnnxProfileError } from '../src/presets/onnx/onnx-profile.js';
import { UnknownPresetError } from '../src/presets/registry.js';
import { UnknownProbeError } from '../src/probes/probe-names.js';
import { createPreset } from '../src/index.js';
import { runCli } from './helpers.js';

// Every error stagescope throws on purpose is a StagescopeError with a documented
// code: callers (and the CLI) branch on the code or the class, never on the text.

const classes: [new (message: string) => StagescopeError, ErrorCode, boolean][] = [
  [CliError, 'SS_ERR_USAGE', false],
  [TargetError, 'SS_ERR_TARGET_INVALID', false],
  [ExportPathError, 'SS_ERR_EXPORT_PATH_INVALID', false],
  [UnknownPresetError, 'SS_ERR_PRESET_UNKNOWN', true],
  [UnknownProbeError, 'SS_ERR_PROBE_UNKNOWN', true],
  [ScriptNotFoundError, 'SS_ERR_SCRIPT_NOT_FOUND', true],
  [BenchRunError, 'SS_ERR_BENCH_RUN_FAILED', false],
  [OnnxProfileError, 'SS_ERR_ONNX_PROFILE_INVALID', false],
];

describe('errors', () => {
  it('each error class is a StagescopeError with its documented code, keeping its name, message and instanceof', () => {
    for (const [ErrorClass, code, prefixed] of classes) {
      const error = new ErrorClass('something is wrong');
      assert.ok(error instanceof ErrorClass && error instanceof StagescopeError && error instanceof Error, ErrorClass.name);
      assert.equal(error.name, ErrorClass.name);
      assert.equal(error.code, code);
      assert.equal(ERROR_CODES[code].thrownAs, ErrorClass.name, `ERROR_CODES.${code}.thrownAs`);
      assert.equal(error.exitCode, ERROR_CODES[code].exitCode);
      assert.equal(error.detail, 'something is wrong');
      assert.equal(error.message, prefixed ? 'stagescope: something is wrong' : 'something is wrong');
      assert.match(String(error.stack), new RegExp(`^${ErrorClass.name}: `));
    }
  });

  it('every ERROR_CODES entry names a class thrown with it (or the base class, for codes without one)', () => {
    const named = new Set(classes.map(([, code]) => code));
    for (const [code, info] of Object.entries(ERROR_CODES)) {
      if (!named.has(code as ErrorCode)) assert.equal(info.thrownAs, 'StagescopeError', `${code} names ${info.thrownAs}, which this test does not know`);
    }
  });

  it('option and document errors carry their codes; the cause is kept', () => {
    const cause = new Error('EACCES');
    const option = optionError('--max-nodes must be an integer ≥ 2, got "x"');
    assert.equal(option.code, 'SS_ERR_OPTION_INVALID');
    assert.equal(option.message, 'stagescope: --max-nodes must be an integer ≥ 2, got "x"');
    assert.equal(option.detail, '--max-nodes must be an integer ≥ 2, got "x"');
    const document = documentError('run.json: cannot read', { cause });
    assert.equal(document.code, 'SS_ERR_DOCUMENT_INVALID');
    assert.equal(document.message, 'run.json: cannot read');
    assert.equal(document.cause, cause);
    assert.equal(document.exitCode, 2);
  });

  it('the API throws them: an unknown preset is an UnknownPresetError with code SS_ERR_PRESET_UNKNOWN', () => {
    assert.throws(
      () => createPreset('no-such-preset'),
      (error: unknown) =>
        error instanceof UnknownPresetError &&
        error.code === 'SS_ERR_PRESET_UNKNOWN' &&
        /^stagescope: unknown preset "no-such-preset" \(known: /.test(error.message) &&
        /^unknown preset "no-such-preset"/.test(error.detail),
    );
  });

  it('the CLI prints any StagescopeError as one line with its exit code, without a stack', async () => {
    const badOption = await runCli(['render', 'run.json', '--max-nodes', '1']);
    assert.equal(badOption.code, 2);
    assert.match(badOption.stderr, /^stagescope: --max-nodes must be an integer ≥ 2 .*got "1"\n$/);
    const missing = await runCli(['compare', 'no-such-a.json', 'no-such-b.json']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /^stagescope: no-such-a\.json: file not found \(write one with/);
    assert.doesNotMatch(missing.stderr, /\n\s+at /);
    const unknown = await runCli(['no-such-command']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /^stagescope: unknown command "no-such-command"/);
  });
});
