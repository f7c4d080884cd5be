import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { readRun, runNode, tempDir } from './helpers.js';

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

describe('run document: overhead.asyncContext', () => {
  for (const { name, execArgv, nodeOptions, expected } of cases) {
    it(`${name}: ${expected}`, async () => {
      const json = path.join(tempDir(), 'run.json');
      const result = await runNode([...execArgv, '--import', 'stagescope/register', '-e', '0'], {
        env: { NODE_OPTIONS: nodeOptions, STAGESCOPE_JSON: json, STAGESCOPE_QUIET: '1' },
      });
      assert.equal(result.code, 0, result.stderr);
      assert.deepEqual(readRun(json).overhead?.asyncContext, { mechanism: expected });
    });
  }
});
