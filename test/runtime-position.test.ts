import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { repoRoot, runNode, tempDir } from './helpers.js';

/**
 * scripts/runtime-position.mjs: the bundled runtime's frames all read
 * `runtime.js:5:<column>`; the script maps one back to the TypeScript source.
 */
describe('scripts/runtime-position.mjs', () => {
  it('maps a real stack frame of the bundled runtime to its TypeScript file and line', async () => {
    // An error thrown by a traced function passes through the wrapper: its frame is in the runtime.
    const dir = tempDir();
    mkdirSync(path.join(dir, 'node_modules/throwy'), { recursive: true });
    writeFileSync(path.join(dir, 'node_modules/throwy/package.json'), JSON.stringify({ name: 'throwy', main: 'index.js' }));
    writeFileSync(path.join(dir, 'node_modules/throwy/index.js'), "exports.boom = () => { throw new Error('boom'); };\n");
    writeFileSync(path.join(dir, 'targets.json'), JSON.stringify({ targets: [{ module: 'throwy', export: 'boom', name: 'boom' }] }));
    writeFileSync(path.join(dir, 'app.cjs'), "try { require('throwy').boom(); } catch (error) { console.log(error.stack); }\n");
    const traced = await runNode(['--import', path.join(repoRoot, 'build/bundle/register/index.js'), 'app.cjs'], {
      cwd: dir,
      env: { STAGESCOPE_QUIET: '1', STAGESCOPE_TARGETS: path.join(dir, 'targets.json') },
    });
    assert.equal(traced.code, 0, traced.stderr);
    const frame = /register\/runtime\.js:(\d+):(\d+)\)/.exec(traced.stdout);
    assert.ok(frame !== null, `no runtime frame in:\n${traced.stdout}`);
    const mapped = await runNode([path.join(repoRoot, 'scripts/runtime-position.mjs'), `${frame[1]}:${frame[2]}`]);
    assert.equal(mapped.code, 0, mapped.stderr);
    assert.match(mapped.stdout, new RegExp(`^${frame[1]}:${frame[2]}: src/instrument/wrap\\.ts:\\d+:\\d+`));
  });

  it('says how to call it, with exit 2, for a missing or malformed position', async () => {
    for (const args of [[], ['5'], ['x:1']]) {
      const result = await runNode([path.join(repoRoot, 'scripts/runtime-position.mjs'), ...args]);
      assert.equal(result.code, 2, args.join(' '));
      assert.match(result.stderr, /^usage: node scripts\/runtime-position\.mjs LINE:COLUMN/);
    }
  });
});
