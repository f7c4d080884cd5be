import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { CliError } from '../src/core/cli-error.js';
import { parseRunArgs, runUsage } from '../src/launch/run-args.js';
import { tracedEnv } from '../src/launch/traced-run-options.js';
import type { RunScriptOptions } from '../src/driver/run-script.js';
import type { OnnxOpsOptions } from '../src/presets/onnx/onnx-ops.js';
import { envFromSettings, settingsFromEnv } from '../src/presets/options/env-codec.js';
import type { OptionRow, ValueOf } from '../src/presets/options/option-row.js';
import { apiLabel, keptPresetFields, resolvePresetOptions, toPresetOptions } from '../src/presets/options/preset-fields.js';
import { optionRows, RUN_OPTIONS, type RunOptionKey, type RunSettings } from '../src/presets/options/run-options.js';
import { Preset, type PresetOptions } from '../src/presets/preset.js';
import type { TfjsLatencyOptions } from '../src/presets/tfjs/tfjs-latency.js';
import { portableOptions } from '../src/reach/link.js';
import { linkedPresetOptions } from '../src/register/linked-mode.js';
import { optionsFromEnv } from '../src/register/process-mode.js';
import type { DotOptions } from '../src/render/call-graph/dot.js';
import { repoRoot } from './helpers.js';

// The option table (src/presets/options/run-options.ts) is the one place a
// setting is declared. These tests send every row through every way in and
// back, so a setting missing from one of them (a flag without its variable, a
// variable the process mode does not read, a field workers should not get)
// fails here, and they check that a bad value gets one message everywhere.

// ---- compile time: every row's value fits the API field it names ----
type Rows = typeof RUN_OPTIONS;
interface ApiShapes {
  preset: PresetOptions;
  callGraph: DotOptions;
  onnx: OnnxOpsOptions;
  tfjs: TfjsLatencyOptions;
  script: RunScriptOptions;
}
type Fits<R> = R extends { scope: infer S; field: infer F }
  ? S extends 'run'
    ? F extends null
      ? true
      : false
    : S extends keyof ApiShapes
      ? F extends keyof ApiShapes[S]
        ? ValueOf<R> extends NonNullable<ApiShapes[S][F]>
          ? true
          : false
        : false
      : false
  : false;
type Misfits = { [K in keyof Rows]: Fits<Rows[K]> extends true ? never : K }[keyof Rows];
// A row whose field is not its scope's, or whose values the field cannot take, names itself here.
const everyRowFitsItsField: [Misfits] extends [never] ? true : Misfits = true;

function settingsWith(key: RunOptionKey, value: unknown): RunSettings {
  return { [key]: value } as RunSettings;
}

/** The command line that gives a row's example value. */
function argvFor(row: OptionRow<unknown>, example: unknown): string[] {
  const flag = row.flag!;
  if (flag.value === undefined) return [flag.name];
  // `--flag=value`: parseArgs refuses a separate value that starts with a dash (--node-arg).
  if (flag.repeatable === true) return (example as string[]).map((text) => `${flag.name}=${text}`);
  return [`${flag.name}=${row.type.format(example)}`];
}

/** Where `toPresetOptions` puts a row's value. */
function apiValue(options: Record<string, unknown>, row: OptionRow<unknown>): unknown {
  return row.scope === 'callGraph' ? (options.callGraph as Record<string, unknown> | undefined)?.[row.field!] : options[row.field!];
}

describe('the option table: every setting round-trips through every way in', () => {
  it('is checked at compile time against the API types', () => {
    assert.equal(everyRowFitsItsField, true);
  });

  for (const [key, row] of optionRows()) {
    it(`${key}: flag → settings → env → settings → options`, () => {
      const example = row.example;
      // The API accepts the example as it is (normalising changes nothing).
      if (row.scope !== 'run') assert.deepEqual(row.type.check(example, apiLabel(row)), example, 'API check');
      if (row.env !== undefined) {
        const env = envFromSettings(settingsWith(key, example));
        assert.deepEqual(Object.keys(env), [row.env]);
        assert.deepEqual(settingsFromEnv(env)[key], example, 'env round trip');
      }
      if (row.flag !== undefined) {
        // A switch can only say "on": its example must be that, or the test would prove nothing.
        if (row.flag.value === undefined) assert.equal(example, true, 'a switch example is true');
        const { settings, command } = parseRunArgs([...argvFor(row, example), '--', 'script.mjs', '--flag-of-the-script']);
        assert.deepEqual(command, ['script.mjs', '--flag-of-the-script']);
        assert.deepEqual(settings, settingsWith(key, example), 'flag');
        if (row.env !== undefined) {
          // What `stagescope run` hands to the traced process, read back as process mode reads it.
          const childEnv = tracedEnv({ command, settings }, {});
          assert.deepEqual(settingsFromEnv(childEnv)[key], example, 'CLI → child env');
        }
      } else {
        assert.equal(row.internal, true, 'a setting users can set has a flag');
      }
      if (row.scope === 'preset' || row.scope === 'callGraph' || row.scope === 'onnx' || row.scope === 'tfjs') {
        const options = toPresetOptions(settingsWith(key, example)) as Record<string, unknown>;
        assert.deepEqual(apiValue(options, row), example, 'option field');
        if (row.env !== undefined) assert.deepEqual(apiValue(optionsFromEnv({ [row.env]: row.type.format(example) }) as Record<string, unknown>, row), example);
        if (row.scope !== 'onnx' && row.scope !== 'tfjs') assert.doesNotThrow(() => resolvePresetOptions(options as PresetOptions));
      }
      if (row.scope !== 'run') assert.ok(row.env !== undefined, 'an API setting has an environment variable (process mode has no other way in)');
    });
  }

  it('a row default is what the API resolves to when the option is left out', () => {
    const resolved = resolvePresetOptions({}) as unknown as Record<string, unknown>;
    for (const key of ['quiet', 'compact', 'maxSpans', 'maxOverheadPct'] as const) assert.equal(resolved[key], RUN_OPTIONS[key].defaultValue, key);
    assert.equal(new Preset('x', [], { quiet: true }).budget.maxOverheadPct, RUN_OPTIONS.maxOverheadPct.defaultValue);
  });
});

/**
 * A bad value per row, as text (flag, env var) and as an API value; null
 * where any text is taken here (files are checked when written or loaded,
 * preset names by the registry, node's arguments by node). Typed by row
 * name: a new row does not compile until it is listed.
 */
const BAD: Record<RunOptionKey, { text: string; api: unknown } | null> = {
  preset: null,
  targets: null,
  json: null,
  quiet: { text: 'yes', api: 'yes' },
  compact: { text: 'yes', api: 1 },
  svg: null,
  gantt: null,
  trace: null,
  html: null,
  minDuration: { text: 'fast', api: -1 },
  maxNodes: { text: '1', api: 1 },
  highlight: { text: 'most', api: 'most' },
  highlightExclude: { text: 'load,lunch', api: ['lunch'] },
  maxSpans: { text: '0', api: 0 },
  onnxOps: { text: 'on', api: 'on' },
  tfjsKernels: { text: 'on', api: 'on' },
  probes: { text: 'memory,gpu', api: ['gpu'] },
  maxOverheadPct: { text: 'lots', api: 0 },
  nodeArgs: null,
  separateProcess: null,
  callMain: { text: 'maybe', api: 'maybe' },
  handoffJson: null,
};

function messageOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    return (error as Error).message;
  }
  assert.fail('no error');
}

/** The message without its prefix, the label (and a list index after it) and the value shown at the end. */
function body(message: string, label: string): string {
  const text = message.replace(/^stagescope: /, '');
  assert.ok(text.startsWith(label), `"${text}" should start with ${label}`);
  return text
    .slice(label.length)
    .replace(/^\[\d+\]/, '')
    .replace(/, got [\s\S]*$/, '');
}

describe('one message per setting, naming where the bad value came from', () => {
  for (const [key, row] of optionRows()) {
    const bad = BAD[key];
    if (bad === null) continue;
    it(key, () => {
      const fromEnv = body(
        messageOf(() => settingsFromEnv({ [row.env!]: bad.text })),
        row.env!,
      );
      const flag = row.flag!;
      // A switch takes no value on the command line: nothing there can be bad.
      if (flag.value !== undefined) {
        let cliError: unknown;
        try {
          parseRunArgs([`${flag.name}=${bad.text}`, '--', 'script.mjs']);
        } catch (error) {
          cliError = error;
        }
        assert.ok(cliError instanceof CliError, 'a bad flag is a usage error (exit 2)');
        assert.equal(body(cliError.message, flag.name), fromEnv, 'flag');
      }
      const label = apiLabel(row);
      const fromApi =
        row.scope === 'preset'
          ? messageOf(() => new Preset('x', [], { quiet: true, [row.field!]: bad.api }))
          : row.scope === 'callGraph'
            ? messageOf(() => new Preset('x', [], { quiet: true, callGraph: { [row.field!]: bad.api } }))
            : messageOf(() => row.type.check(bad.api, label));
      assert.equal(body(fromApi, label), fromEnv, 'API');
    });
  }

  it('the budget: the flag, the variable and the option say the same (and the budget object itself)', () => {
    const expected = 'must be a number > 0 (percent of the measured work; "off" or Infinity turns the budget off)';
    assert.equal(
      messageOf(() => parseRunArgs(['--max-overhead-pct', 'x', '--', 's.mjs'])),
      `--max-overhead-pct ${expected}, got "x"`,
    );
    assert.equal(
      messageOf(() => settingsFromEnv({ STAGESCOPE_MAX_OVERHEAD_PCT: 'x' })),
      `stagescope: STAGESCOPE_MAX_OVERHEAD_PCT ${expected}, got "x"`,
    );
    assert.equal(
      messageOf(() => new Preset('x', [], { maxOverheadPct: -1 })),
      `stagescope: option maxOverheadPct ${expected}, got -1`,
    );
    const preset = new Preset('x', [], { quiet: true });
    assert.equal(
      messageOf(() => (preset.budget.maxOverheadPct = 0)),
      `stagescope: option maxOverheadPct ${expected}, got 0`,
    );
  });
});

describe('the CLI, the docs and workers follow the table', () => {
  it('stagescope run --help lists every flag, with its default', () => {
    const usage = runUsage();
    for (const [key, row] of optionRows()) {
      if (row.flag === undefined) continue;
      assert.match(usage, new RegExp(`^  ${row.flag.name}\\b`, 'm'), key);
    }
    assert.match(usage, /--max-overhead-pct P .*\n.*\(default 1\)/);
    assert.match(usage, /--tfjs-kernels /);
  });

  it('docs/running.md names every flag and environment variable', () => {
    const running = readFileSync(path.join(repoRoot, 'docs/running.md'), 'utf8');
    for (const [key, row] of optionRows()) {
      if (row.internal === true) continue;
      if (row.flag !== undefined) assert.ok(running.includes(`\`${row.flag.name}`), `${key}: ${row.flag.name} not in docs/running.md`);
      if (row.env !== undefined) assert.ok(running.includes(`\`${row.env}`), `${key}: ${row.env} not in docs/running.md`);
    }
  });

  it('settings are read from the environment through the table only', () => {
    // Plumbing between a run and its processes, and an example in a doc comment: not settings.
    const notSettings = new Set(['STAGESCOPE_PARENT_FD', 'STAGESCOPE_TOKEN']);
    // Read raw before the runtime (and the table) loads, only to pick the code
    // cache file; the runtime reads and checks the preset through the table.
    const beforeTheTable = new Set(['src/register/index.ts: STAGESCOPE_PRESET']);
    const reads: string[] = [];
    const walk = (dir: string): void => {
      for (const name of readdirSync(dir)) {
        const file = path.join(dir, name);
        if (statSync(file).isDirectory()) walk(file);
        else if (name.endsWith('.ts')) {
          for (const match of readFileSync(file, 'utf8').matchAll(/env(?:\.|\[['"])(STAGESCOPE_[A-Z_]+)/g)) {
            const read = `${path.relative(repoRoot, file)}: ${match[1]}`;
            if (!notSettings.has(match[1]!) && !beforeTheTable.has(read)) reads.push(read);
          }
        }
      }
    };
    walk(path.join(repoRoot, 'src'));
    assert.deepEqual(reads, [], 'read these through settingFromEnv / settingsFromEnv (presets/options/env-codec.ts)');
  });

  it("workers and child processes get the run's passed settings and none of its kept ones", () => {
    for (const [key, row] of optionRows()) {
      if (row.scope !== 'preset' && row.scope !== 'onnx' && row.scope !== 'tfjs') continue;
      const linked = linkedPresetOptions(
        JSON.parse(JSON.stringify(portableOptions({ [row.field!]: row.example } as PresetOptions, keptPresetFields()))),
      ) as Record<string, unknown>;
      if (row.reach === 'passed') assert.deepEqual(linked[row.field!], row.example, key);
      // quiet is set for every linked preset, whatever the run's
      else if (row.field !== 'quiet') assert.equal(linked[row.field!], undefined, key);
    }
    for (const field of keptPresetFields()) {
      const portable = portableOptions({ [field]: 'x' } as PresetOptions, keptPresetFields());
      assert.equal(portable.extra?.[field], undefined, field);
    }
  });
});
