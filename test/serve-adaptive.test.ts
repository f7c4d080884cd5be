import assert from 'node:assert/strict';
import http from 'node:http';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { renderTextTree } from '../src/render/text-tree.js';
import { requestToRunDocument } from '../src/serve/request-document.js';
import { ServeScope } from '../src/serve/serve-scope.js';
import { fixture } from './helpers.js';
import { close, fakePreset, listen, request, waitForRequests } from './serve-fixtures.js';

const HOT = 'serve-hot-lib#tiny';
const SLOW = 'serve-hot-lib#slow';

interface HotLib {
  tiny(x: number): number;
  slow(ms: number): Promise<number>;
}

describe('the overhead budget samples or disables a too-hot target by itself, and says so', () => {
  it('a tiny function called 100k times is cut, a slow one keeps every span; the request tree and text tree show it', async () => {
    const { preset } = fakePreset([
      { module: 'serve-hot-lib', export: 'tiny', stage: 'preprocess' },
      { module: 'serve-hot-lib', export: 'slow', stage: 'detection' },
    ]);
    const hot = createRequire(fixture('scripts/app.cjs'))('serve-hot-lib') as HotLib;
    const scope = new ServeScope(preset, { maxSpansPerRequest: 10_000 }); // default budget: 1%
    assert.equal(scope.budget.maxOverheadPct, 1);
    const server = http.createServer(
      scope.http(async (_req, res) => {
        let sum = 0;
        for (let i = 0; i < 100_000; i++) sum = hot.tiny(sum);
        // 2048 slow calls (two budget windows), concurrently so the test stays fast
        await Promise.all(Array.from({ length: 2048 }, () => hot.slow(10)));
        res.end(String(sum));
      }),
    );
    const port = await listen(server);
    try {
      const reply = await request(port, '/hot');
      assert.equal(reply.body, '100000', 'the app computes the same result');
      await waitForRequests(scope.store, 1);
    } finally {
      await close(server);
      scope.close();
    }

    const hotSwitch = preset.instrumenter.targetSwitch(HOT)!;
    const slowSwitch = preset.instrumenter.targetSwitch(SLOW)!;
    const hotEvents = scope.budget.events.filter((event) => event.target === HOT);
    assert.ok(hotEvents.length >= 1, 'the hot target was acted on');
    assert.ok(!hotSwitch.enabled || (hotSwitch.sampleEvery ?? 1) > 1, 'the hot target is disabled or sampled');
    assert.match(hotEvents[0]!.reason, /wrapper overhead .*% of the measured work .* > budget 1%/);
    assert.equal(scope.budget.events.filter((event) => event.target === SLOW).length, 0, 'the slow target was left alone');
    assert.equal(slowSwitch.enabled, true);
    assert.equal(slowSwitch.sampleEvery, 1);
    assert.equal(slowSwitch.calls, 2048);

    const [tree] = scope.store.recent();
    assert.ok(tree !== undefined);
    assert.ok(
      tree.adaptive.some((event) => event.target === HOT),
      'the decision is recorded in the request it happened in',
    );
    const tinySpans = tree.spans.filter((span) => span.name === 'tiny').length;
    assert.ok(tinySpans < 100_000 && tinySpans >= 1024, `far fewer than 100k tiny spans (${tinySpans})`);
    assert.equal(tree.spans.filter((span) => span.name === 'slow').length, 2048, 'every slow call is in the tree');
    const text = renderTextTree(requestToRunDocument(tree, preset.name), { maxDepth: 0 });
    const line = text.split('\n').find((l) => l.includes('⚙ adaptive:'));
    assert.ok(line !== undefined, text);
    assert.match(line, /⚙ adaptive: serve-hot-lib#tiny (disabled|sampled 1 in \d+) at \+[\d.]+ (ms|µs|s) \(wrapper overhead/);
    preset.finish(0);
  });

  it('offline runs have the budget too: the run document lists the decision and the tree shows it', () => {
    const { preset } = fakePreset([{ module: 'serve-hot-lib', export: 'tiny', stage: 'preprocess' }]);
    const hot = createRequire(fixture('scripts/app.cjs'))('serve-hot-lib') as HotLib;
    let sum = 0;
    preset.tracer.trace('loop', () => {
      for (let i = 0; i < 100_000; i++) sum = hot.tiny(sum);
    });
    const doc = preset.finish(0);
    assert.equal(sum, 100_000);
    assert.ok(
      (doc.adaptive ?? []).some((event) => event.target === HOT && (event.action === 'disable' || event.action === 'sample')),
      JSON.stringify(doc.adaptive),
    );
    assert.ok(doc.spans.filter((span) => span.name === 'tiny').length < 100_000);
    assert.match(preset.renderTree(), /⚙ adaptive: serve-hot-lib#tiny (disabled|sampled 1 in \d+)/);
  });

  it('a target restored after the budget cut it: the document and the root line still count the calls it left unrecorded', () => {
    const { preset } = fakePreset([{ module: 'serve-hot-lib', export: 'tiny', stage: 'preprocess' }]);
    const hot = createRequire(fixture('scripts/app.cjs'))('serve-hot-lib') as HotLib;
    preset.tracer.trace('loop', () => {
      for (let i = 0; i < 20_000; i++) hot.tiny(i);
      assert.ok(preset.budget.events.length > 0, 'the budget cut the target');
      assert.equal(preset.budget.restore(HOT), true);
      for (let i = 0; i < 100; i++) hot.tiny(i);
    });
    const doc = preset.finish(0);
    const recorded = doc.spans.filter((span) => span.name === 'tiny').length;
    assert.ok(doc.budget !== undefined, 'the budget summary is in the document');
    assert.deepEqual([doc.budget.sampled, doc.budget.disabled, doc.budget.restored], [0, 0, 1]);
    assert.equal(doc.budget.skippedCalls, 20_100 - recorded, 'every call is either recorded or counted as skipped');
    assert.ok(doc.budget.skippedCalls > 0);
    assert.equal(doc.adaptive?.at(-1)?.action, 'restore');
    assert.match(preset.renderTree().split('\n')[0]!, new RegExp(`⚙ 1 target restored \\(${doc.budget.skippedCalls} calls not recorded`));
  });

  it('maxOverheadPct: Infinity turns it off', () => {
    const { preset } = fakePreset([{ module: 'serve-hot-lib', export: 'tiny', stage: 'preprocess' }]);
    preset.budget.maxOverheadPct = Infinity;
    const hot = createRequire(fixture('scripts/app.cjs'))('serve-hot-lib') as HotLib;
    preset.tracer.trace('loop', () => {
      for (let i = 0; i < 5_000; i++) hot.tiny(i);
    });
    const doc = preset.finish(0);
    assert.equal(doc.adaptive, undefined);
    assert.equal(doc.spans.filter((span) => span.name === 'tiny').length, 5_000);
    assert.throws(() => (preset.budget.maxOverheadPct = 0), /maxOverheadPct must be a number > 0/);
  });
});
