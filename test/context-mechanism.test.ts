import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { asyncResourceNs } from '../src/core/context.js';
import { readRun, repoRoot, runNode, tempDir } from './helpers.js';

/**
 * `overhead.asyncContext.mechanism` in the run document says how this Node
 * carries AsyncLocalStorage across `await`. The expectation is Node's documented
 * rule, independent of how stagescope finds out: AsyncContextFrame by default
 * from Node 24 (off with --no-async-context-frame), on Node 22 only with
 * --experimental-async-context-frame, never on Node 20. CI runs this file on
 * Node 20, 22 and 24, so each flag is checked on the Node that has it.
 */
const major = Number(process.versions.node.split('.')[0]);
const defaultMechanism = major >= 24 ? 'async-context-frame' : 'async-hooks';

const cases: Array<{ name: string; execArgv: string[]; nodeOptions: string; expected: 'async-context-frame' | 'async-hooks' }> = [
  { name: `node ${process.version} default`, execArgv: [], nodeOptions: '', expected: defaultMechanism },
];
if (major >= 24) {
  cases.push(
    { name: '--no-async-context-frame', execArgv: ['--no-async-context-frame'], nodeOptions: '', expected: 'async-hooks' },
    { name: 'NODE_OPTIONS=--no-async-context-frame', execArgv: [], nodeOptions: '--no-async-context-frame', expected: 'async-hooks' },
  );
} else if (major === 22) {
  cases.push(
    { name: '--experimental-async-context-frame', execArgv: ['--experimental-async-context-frame'], nodeOptions: '', expected: 'async-context-frame' },
    {
      name: 'NODE_OPTIONS=--experimental-async-context-frame',
      execArgv: [],
      nodeOptions: '--experimental-async-context-frame',
      expected: 'async-context-frame',
    },
  );
}

/** Awaited calls of an async function in the script: each makes two promises (its own, and the await's). */
const AWAITED_CALLS = 5000;

describe('run document: overhead.asyncContext', () => {
  for (const { name, execArgv, nodeOptions, expected } of cases) {
    it(`${name}: ${expected}${expected === 'async-hooks' ? ', with the async resources the run made and their estimated cost' : ''}`, async () => {
      const dir = tempDir();
      const json = path.join(dir, 'run.json');
      const script = path.join(dir, 'awaits.mjs');
      writeFileSync(
        script,
        `async function work(x) { return x + 1; }\nlet x = 0;\nfor (let i = 0; i < ${AWAITED_CALLS}; i++) x = await work(x);\nconsole.log(x);\n`,
      );
      const result = await runNode([...execArgv, '--import', 'stagescope/register', script], {
        env: { NODE_OPTIONS: nodeOptions, STAGESCOPE_JSON: json },
      });
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stdout, `${AWAITED_CALLS}\n`);
      const asyncContext = readRun(json).overhead?.asyncContext;
      const rootLine = result.stderr.split('\n')[0] ?? '';
      if (expected === 'async-context-frame') {
        // An await costs next to nothing there: nothing is counted, nothing is shown.
        assert.deepEqual(asyncContext, { mechanism: expected });
        assert.doesNotMatch(rootLine, /async context/);
        return;
      }
      assert.equal(asyncContext?.mechanism, 'async-hooks');
      // The script's promises, and the few of Node's and stagescope's own around them.
      const counted = asyncContext.asyncResources ?? -1;
      assert.ok(counted >= 2 * AWAITED_CALLS && counted < 2 * AWAITED_CALLS + 500, `asyncResources ${counted}`);
      assert.equal(asyncContext.perResourceNs, asyncResourceNs(major));
      assert.equal(asyncContext.estimatedNs, Math.round(counted * asyncResourceNs(major)));
      assert.match(rootLine, /, async context ~[\d.]+ (µs|ms)[,\]]/);
    });
  }

  const asyncHooksCase = cases.find((entry) => entry.expected === 'async-hooks');
  if (asyncHooksCase !== undefined) {
    it(`${asyncHooksCase.name}: the wrappers' own promises are not counted (OH holds their cost)`, async () => {
      // The tiny loop of bench:cost, every call recorded: one promise of the
      // wrapper's (its `.then`) beside the two of each awaited call.
      const children = path.join(repoRoot, 'benchmarks', 'children');
      const json = path.join(tempDir(), 'run.json');
      const n = 5000;
      const result = await runNode([...asyncHooksCase.execArgv, '--import', 'stagescope/register', 'tiny-loop.mjs', `n=${n}`], {
        cwd: children,
        env: {
          NODE_OPTIONS: asyncHooksCase.nodeOptions,
          STAGESCOPE_JSON: json,
          STAGESCOPE_QUIET: '1',
          STAGESCOPE_TARGETS: 'tiny.targets.json',
          STAGESCOPE_MAX_OVERHEAD_PCT: 'off',
        },
      });
      assert.equal(result.code, 0, result.stderr);
      const doc = readRun(json);
      const calls = n + n / 10; // tiny-loop-core.mjs warms up with n / 10 calls first
      assert.equal(doc.wrappedCalls, calls);
      const counted = doc.overhead?.asyncContext?.asyncResources ?? -1;
      assert.ok(
        counted >= 2 * calls && counted < 2 * calls + 500,
        `asyncResources ${counted}: not ${2 * calls} (the loop's) but ${3 * calls} (with the wrappers') or more?`,
      );
    });
  }
});
