import assert from 'node:assert/strict';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { writeFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { SpanRecord } from '../src/core/types.js';
import { WATCHED_ATTRIBUTE } from '../src/instrument/wrap.js';
import { readRun, repoRoot, runCli, runNode, tempDir } from './helpers.js';

/**
 * Issue "Cost of observation": with default settings, no call of 100 µs or more
 * is lost to the overhead budget. test/fixtures/scripts/bimodal-loop.mjs calls
 * two tiny functions thousands of times, with a long call in fewer than 1% of
 * them (300 µs spins, 1 ms spins after an await): too few for the budget to spare the
 * targets, which it samples or disables. The calls it then lets through are
 * timed, and each long one is recorded after it ends.
 */
const fixtures = path.join(repoRoot, 'test/fixtures');
const script = path.join(fixtures, 'scripts/bimodal-loop.mjs');

/**
 * A line for the generated scripts: `outside(us)` works between calls, outside
 * them, so a loaded machine's preemptions rarely land in a call (see
 * bimodal-loop.mjs: 10% of a window's calls read ≥ 100 µs would spare a target).
 */
const OUTSIDE = `const outside = (us) => { const end = process.hrtime.bigint() + BigInt(us) * 1000n; while (process.hrtime.bigint() < end); };`;

function spansOf(spans: SpanRecord[], name: string): SpanRecord[] {
  return spans.filter((span) => span.name === name);
}

describe('the overhead budget keeps long calls', () => {
  it('every call of 100 µs or more of a sampled or disabled target is recorded, under the span that was current', async () => {
    const json = path.join(tempDir(), 'run.json');
    const result = await runCli(
      ['run', '--preset', 'custom', '--probes', 'cpu', '--targets', path.join(fixtures, 'targets/bimodal.yaml'), '--json', json, '--', script],
      { cwd: fixtures },
    );
    assert.equal(result.code, 0, result.stderr);
    const made = JSON.parse(result.stdout) as { x: number; longSync: number; longAsync: number };
    assert.deepEqual(made, { x: 9000, longSync: 20, longAsync: 12 }, 'the app ran as it does untraced');
    const doc = readRun(json);
    // The budget acted on both targets (both made thousands of ~µs calls)...
    assert.ok(doc.budget !== undefined && doc.budget.sampled + doc.budget.disabled === 2, JSON.stringify(doc.adaptive));
    const root = doc.spans.find((span) => span.parentId === null)!;
    const sync = spansOf(doc.spans, 'sometimesSlow');
    const async_ = spansOf(doc.spans, 'sometimesSlowAsync');
    // ...and still every long call is a span: the 300 µs and the 1 ms spins (a
    // tiny call the machine preempted that long may add one).
    const spins = sync.filter((span) => span.durationNs >= 300_000);
    const asyncSpins = async_.filter((span) => span.durationNs >= 1_000_000);
    assert.ok(spins.length >= made.longSync, `${spins.length} spans of ≥ 300 µs for ${made.longSync} spins`);
    assert.ok(asyncSpins.length >= made.longAsync, `${asyncSpins.length} spans of ≥ 1 ms for ${made.longAsync} async spins`);
    // Those the budget let through and kept are marked, parented where the call was made, and counted.
    const watched = [...sync, ...async_].filter((span) => span.attributes[WATCHED_ATTRIBUTE] === true);
    assert.ok(watched.length > 0, 'some long calls came through the timed pass-through');
    for (const span of watched) {
      assert.ok(span.durationNs >= 100_000, `a kept call is a long one (${span.durationNs} ns)`);
      assert.equal(span.parentId, root.id);
      assert.equal(span.status, 'ok');
      // Both probe readings would come after the call: none is taken.
      assert.deepEqual(span.metrics, {}, JSON.stringify(span.metrics));
    }
    // The probe is on: the run's root (made by hand) carries it. The targets'
    // spans take readings only while their calls average 100 µs or more
    // (READINGS_MIN_NS): here, at most a few right after the spins.
    assert.equal(typeof root.metrics.cpuUserNs, 'number', `the root carries the probe: ${JSON.stringify(root.metrics)}`);
    assert.equal(doc.budget.keptLongCalls, watched.length);
    // Every call is recorded or counted as not recorded, once.
    assert.equal(doc.budget.skippedCalls + sync.length + async_.length, made.x);
    assert.equal(doc.overhead?.passThroughCalls, doc.budget.skippedCalls);
    // The timed pass-throughs are counted in the overhead at their own cost.
    assert.equal(doc.overhead?.watchedCalls, doc.budget.skippedCalls + watched.length);
    const perCall = doc.overhead!.perCall!;
    assert.ok(perCall.watchSyncNs !== undefined && perCall.watchAsyncNs !== undefined);
    assert.ok(doc.overhead!.passThroughNs >= doc.overhead!.watchedCalls! * Math.min(perCall.watchSyncNs, perCall.watchAsyncNs));
    // Each target's adaptive line says how many of its calls were kept.
    for (const [name, target] of [
      ['sometimesSlow', 'serve-hot-lib#sometimesSlow'],
      ['sometimesSlowAsync', 'serve-hot-lib#sometimesSlowAsync'],
    ] as const) {
      const kept = watched.filter((span) => span.name === name).length;
      assert.equal(doc.budget.keptLongByTarget?.[target], kept);
      const skipped = doc.budget.skippedByTarget?.[target];
      const keptText = kept > 0 ? `, ${kept} of ≥ 100 µs recorded` : '';
      assert.ok(result.stderr.includes(`⚙ adaptive: ${target} `), result.stderr);
      assert.match(result.stderr, new RegExp(`⚙ adaptive: ${target} [^\\n]*, ${skipped} calls not recorded${keptText} \\(`));
    }
    // OH's wrapper part bills recorded calls only; the kept ones are timed pass-throughs (in passThroughNs).
    const recordedSync = sync.filter((span) => span.attributes[WATCHED_ATTRIBUTE] !== true).length;
    const recordedAsync = async_.filter((span) => span.attributes[WATCHED_ATTRIBUTE] !== true).length;
    assert.equal(perCall.calibrated, false, '9,000 calls: the per-Node estimates, whole ns');
    // The process's first 1,024 recorded calls were timed where they ran (cold
    // code), each plus the part the wrapper cannot time; the others are billed
    // at the estimate. Which of the timed ones were async the document does not
    // say: the reaction's share lies between none and all of them.
    const measured = doc.overhead!.measuredCalls!;
    assert.equal(measured, Math.min(1024, recordedSync + recordedAsync));
    const timedPartNs = doc.overhead!.wrapperMeasuredNs! + measured * (perCall.passThroughNs + perCall.insideSpanNs);
    const billedNs = (recordedSync + recordedAsync - measured) * perCall.syncNs + recordedAsync * (perCall.asyncNs - perCall.syncNs);
    const reactionNs = Math.max(0, perCall.asyncNs - perCall.syncNs);
    assert.ok(
      doc.overhead!.wrapperNs >= timedPartNs + billedNs - measured * reactionNs - 1 && doc.overhead!.wrapperNs <= timedPartNs + billedNs + 1,
      `wrapperNs ${doc.overhead!.wrapperNs}, timed ${timedPartNs}, billed ${billedNs}`,
    );
    // The root line says how many were kept.
    const rootLine = result.stderr.split('\n')[0] ?? '';
    assert.match(rootLine, new RegExp(`\\(${doc.budget.skippedCalls} calls not recorded; ${watched.length} calls of ≥ 100 µs recorded\\)`));
  });

  it('the compact tree says on each folded line how many calls of its target the budget left unrecorded', async () => {
    const json = path.join(tempDir(), 'run.json');
    const result = await runCli(
      ['run', '--preset', 'custom', '--compact', '--targets', path.join(fixtures, 'targets/bimodal.yaml'), '--json', json, '--', script],
      { cwd: fixtures },
    );
    assert.equal(result.code, 0, result.stderr);
    const doc = readRun(json);
    for (const [name, target] of [
      ['sometimesSlow', 'serve-hot-lib#sometimesSlow'],
      ['sometimesSlowAsync', 'serve-hot-lib#sometimesSlowAsync'],
    ] as const) {
      const skipped = doc.budget?.skippedByTarget?.[target];
      assert.ok(skipped !== undefined && skipped > 0, JSON.stringify(doc.budget));
      const recorded = spansOf(doc.spans, name).length;
      const line = result.stderr.split('\n').find((text) => text.includes(`${name} × ${recorded},`));
      assert.ok(line !== undefined, `a folded line for ${name} × ${recorded}:\n${result.stderr}`);
      assert.match(line, new RegExp(`\\(⚙ (sampled 1 in \\d+|disabled): ${skipped} more calls of this target not recorded in the run\\)$`));
    }
  });

  it('a target the budget sampled counts as sampled at the end of the run (every switch is off by then)', async () => {
    const json = path.join(tempDir(), 'run.json');
    const result = await runCli(
      [
        'run',
        '--preset',
        'custom',
        '--targets',
        path.join(fixtures, 'targets/bimodal.yaml'),
        '--json',
        json,
        '--',
        path.join(fixtures, 'scripts/steady-loop.mjs'),
      ],
      { cwd: fixtures },
    );
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, '4096\n');
    const doc = readRun(json);
    const decisions = (doc.adaptive ?? []).filter((event) => event.target === 'serve-hot-lib#sometimesSlow');
    assert.ok(decisions.length > 0 && decisions.every((event) => event.action === 'sample'), JSON.stringify(doc.adaptive));
    assert.equal(doc.budget?.sampled, 1);
    assert.equal(doc.budget?.disabled, 0);
    assert.match(result.stderr.split('\n')[0] ?? '', /⚙ 1 target sampled \(\d+ calls not recorded/);
  });

  it('the watch stops when the user switches the target off or the run ends; a kept call is parented where it was made', async () => {
    // In one process, through the API: the budget cuts both targets, then
    // (a) the user switches one off: its long calls are not timed any more;
    // (b) 30 long async calls made before the run ends settle after it: all
    //     recorded (the ones the sampling records, and the ones it lets
    //     through, timed and kept), under the run's root (found at the call,
    //     not when they settled);
    // (c) after the run, a held wrapper passes straight through, untimed.
    const dir = tempDir();
    const script = path.join(dir, 'api.mjs');
    writeFileSync(
      script,
      [
        `import { createRequire } from 'node:module';`,
        `import { nowNs, Preset } from ${JSON.stringify(pathToFileURL(path.join(repoRoot, 'build/src/index.js')).href)};`,
        `const targets = [{ module: 'serve-hot-lib', export: 'sometimesSlow' }, { module: 'serve-hot-lib', export: 'sometimesSlowAsync' }];`,
        `const preset = new Preset('custom', [], { targets, quiet: true });`,
        `const root = preset.start([], ${JSON.stringify(fixtures)});`,
        `const lib = createRequire(${JSON.stringify(path.join(fixtures, 'package.json'))})('serve-hot-lib');`,
        `let x = 0;`,
        OUTSIDE,
        `for (let i = 0; i < 3000; i++) { x = lib.sometimesSlow(x, 0); outside(5); }`,
        `for (let i = 0; i < 3000; i++) { x = await lib.sometimesSlowAsync(x, 0); outside(5); }`,
        `const count = (name) => preset.tracer.recorder.spans().filter((s) => s.name === name).length;`,
        `const cut = preset.budget.events.map((e) => e.target).sort();`,
        `const before = count('sometimesSlow');`,
        `lib.sometimesSlow(x, 300);`,
        `const keptWhileCut = count('sometimesSlow') - before;`,
        `preset.instrumenter.setTargetEnabled('serve-hot-lib#sometimesSlow', false);`,
        `lib.sometimesSlow(x, 300);`,
        `const keptWhenOff = count('sometimesSlow') - before - keptWhileCut;`,
        `const lateFrom = nowNs();`,
        `const late = Promise.all(Array.from({ length: 30 }, () => lib.sometimesSlowAsync(x, 1000)));`,
        `const held = lib.sometimesSlowAsync; // the wrapper: finish() puts the original back on the exports`,
        `preset.finish();`,
        `await late;`,
        `const lateSpans = preset.tracer.recorder.spans().filter((s) => s.name === 'sometimesSlowAsync' && s.startNs >= lateFrom);`,
        `const lateWatched = lateSpans.filter((s) => s.attributes?.['stagescope.watched'] === true).length;`,
        `const asyncSwitch = preset.instrumenter.targetSwitch('serve-hot-lib#sometimesSlowAsync');`,
        `const timedBefore = asyncSwitch.watchedCalls;`,
        `await held(x, 1000);`,
        `console.log(JSON.stringify({ cut, keptWhileCut, keptWhenOff, lateKept: lateSpans.length, lateSomeWatched: lateWatched > 0, lateParents: [...new Set(lateSpans.map((s) => s.parent?.id === root.id))], heldTimed: asyncSwitch.watchedCalls - timedBefore }));`,
      ].join('\n'),
    );
    const result = await runNode([script], { cwd: fixtures });
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(JSON.parse(result.stdout), {
      cut: ['serve-hot-lib#sometimesSlow', 'serve-hot-lib#sometimesSlowAsync'],
      keptWhileCut: 1,
      keptWhenOff: 0,
      lateKept: 30,
      lateSomeWatched: true,
      lateParents: [true],
      heldTimed: 0,
    });
  });

  it('a long call that throws is recorded as failed, and the error reaches the app unchanged', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'throws.mjs');
    writeFileSync(
      file,
      [
        `import { createRequire } from 'node:module';`,
        `const { sometimesSlow } = createRequire(${JSON.stringify(path.join(fixtures, 'package.json'))})('serve-hot-lib');`,
        `let x = 0;`,
        OUTSIDE,
        `for (let i = 0; i < 3000; i++) { x = sometimesSlow(x, 0); outside(5); }`,
        `try { sometimesSlow(null, 300); } catch (error) { console.log(error.constructor.name, error.message); }`,
      ].join('\n'),
    );
    const json = path.join(dir, 'run.json');
    const traced = await runCli(['run', '--preset', 'custom', '--targets', path.join(fixtures, 'targets/bimodal.yaml'), '--json', json, '--', file], {
      cwd: fixtures,
    });
    const plain = await runNode([file], { cwd: fixtures });
    assert.equal(traced.code, 0, traced.stderr);
    assert.equal(traced.stdout, plain.stdout, 'the same error, the same message');
    assert.match(plain.stdout, /^TypeError /);
    const doc = readRun(json);
    assert.ok(doc.budget !== undefined, 'the budget cut the target first');
    const failed = spansOf(doc.spans, 'sometimesSlow').filter((span) => span.status === 'error');
    // It spun 300 µs, then threw.
    assert.equal(failed.length, 1, JSON.stringify(doc.budget));
    assert.equal(failed[0]!.attributes[WATCHED_ATTRIBUTE], true);
    assert.equal(failed[0]!.error?.name, 'TypeError');
  });

  it('a target the user switched off is not timed: nothing is recorded, long calls included', async () => {
    const dir = tempDir();
    const targets = path.join(dir, 'off.yaml');
    writeFileSync(
      targets,
      'targets:\n  - { module: serve-hot-lib, export: sometimesSlow, enabled: false }\n  - { module: serve-hot-lib, export: sometimesSlowAsync, enabled: false }\n',
    );
    const json = path.join(dir, 'run.json');
    const result = await runCli(['run', '--preset', 'custom', '--targets', targets, '--json', json, '--', script], { cwd: fixtures });
    assert.equal(result.code, 0, result.stderr);
    const doc = readRun(json);
    assert.equal(spansOf(doc.spans, 'sometimesSlow').length + spansOf(doc.spans, 'sometimesSlowAsync').length, 0);
    assert.equal(doc.budget, undefined);
    assert.equal(doc.overhead?.watchedCalls, undefined);
  });
});
