import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { repoRoot, runNode } from './helpers.js';

/**
 * scripts/sharp-hook-warm.mjs (docs/overhead.md, M14): the sharp pipeline
 * hook's afterCall on warm caches. Its figure is a timing, not checked here;
 * that the hook it times is the real one, naming a real pipeline, is.
 */
describe('scripts/sharp-hook-warm.mjs', () => {
  it('times the real sharp pipeline hook, which names each span from a fresh instance as the wrapper would', async () => {
    for (const mode of [[], ['same']]) {
      const result = await runNode([path.join(repoRoot, 'scripts/sharp-hook-warm.mjs'), 'calls=20', 'rounds=2', ...mode]);
      assert.equal(result.code, 0, result.stderr);
      const lines = result.stdout.trim().split('\n');
      assert.equal(lines.length, 2);
      for (const line of lines) {
        assert.match(line, /^round \d: afterCall \d+\.\d\d µs a call \((fresh instances|one instance)\), span "sharp\.toBuffer resize raw"$/);
        assert.ok(line.includes(mode.length === 0 ? 'fresh instances' : 'one instance'), line);
      }
    }
  });

  it('refuses a bad count, naming it', async () => {
    const result = await runNode([path.join(repoRoot, 'scripts/sharp-hook-warm.mjs'), 'rounds=0']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /rounds must be an integer ≥ 1, got "rounds=0"/);
  });
});
