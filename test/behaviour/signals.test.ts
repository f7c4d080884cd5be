import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { tempDir } from '../helpers.js';
import { launch, observe, processGone, scenario, spanNames, TRACED_MODES, type Mode } from './matrix.js';

const script = scenario('signals.mjs');

/** Run the scenario in `mode`, send `signal` to the started process once it is ready. */
function signalled(mode: Mode, appMode: string, signal: NodeJS.Signals) {
  return observe(launch(mode, script, [appMode]), { onReady: (pid) => process.kill(pid, signal) });
}

describe("behaviour matrix: signals sent to the plain process, to the traced process and to the CLI's own pid", () => {
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
    it(`${signal} with no app handler: the process dies of it, and the run is saved`, async () => {
      const plain = await signalled('plain', 'none', signal);
      assert.equal(plain.signal, signal);
      for (const mode of TRACED_MODES) {
        const traced = await signalled(mode, 'none', signal);
        assert.equal(traced.signal, plain.signal, `${mode}: died of the same signal (stderr: ${traced.stderr})`);
        assert.equal(traced.code, plain.code, `${mode}: exit code`);
        assert.equal(traced.stdout, plain.stdout, `${mode}: stdout`);
        assert.equal(traced.stderr, plain.stderr, `${mode}: stderr`);
        assert.equal(traced.doc?.exitCode, { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 }[signal], `${mode}: the document records the signal`);
        assert.deepEqual(spanNames(traced.doc), ['run', 'asyncWork']);
      }
    });
  }

  it('an app handler sees SIGTERM exactly once and decides the exit (process.on: ends its work, exit 0)', async () => {
    const plain = await signalled('plain', 'on', 'SIGTERM');
    assert.deepEqual([plain.code, plain.signal, plain.stdout], [0, null, 'ready traced\napp handled SIGTERM\n']);
    for (const mode of TRACED_MODES) {
      const traced = await signalled(mode, 'on', 'SIGTERM');
      assert.deepEqual([traced.code, traced.signal, traced.stdout], [plain.code, plain.signal, plain.stdout], `${mode} (stderr: ${traced.stderr})`);
      assert.equal(traced.doc?.exitCode, 0, `${mode}: the run ended when the process did, with its exit code`);
      assert.equal(traced.doc?.spans.find((span) => span.name === 'run')?.status, 'ok');
    }
  });

  it('process.once handler calling process.exit(3): exit 3 recorded, not 143', async () => {
    const plain = await signalled('plain', 'once-exit', 'SIGTERM');
    assert.equal(plain.code, 3);
    for (const mode of TRACED_MODES) {
      const traced = await signalled(mode, 'once-exit', 'SIGTERM');
      assert.deepEqual([traced.code, traced.signal, traced.stdout], [plain.code, plain.signal, plain.stdout], mode);
      assert.equal(traced.doc?.exitCode, 3);
    }
  });

  it('SIGINT to the whole process group (Ctrl-C) reaches the app once through the CLI and its child', async () => {
    // The CLI and its child share a process group here: signal both, as a terminal does.
    const pidFile = path.join(tempDir(), 'child.pid');
    const traced = await observe(launch('cli-child', script, ['on'], { env: { BEHAVIOUR_PID_FILE: pidFile } }), {
      onReady: (pid) => {
        process.kill(pid, 'SIGINT');
        const child = Number(readFileSync(pidFile, 'utf8'));
        process.kill(child, 'SIGINT');
      },
    });
    assert.equal(traced.code, 0, traced.stderr);
    assert.equal(traced.stdout, 'ready traced\napp handled SIGINT\n');
  });

  it('SIGKILL to the CLI leaves no orphan: the child gets SIGTERM and still saves its run', async () => {
    const pidFile = path.join(tempDir(), 'child.pid');
    let childPid = 0;
    const spec = launch('cli-child', script, ['none'], { env: { BEHAVIOUR_PID_FILE: pidFile } });
    const cli = await observe(spec, {
      onReady: (pid) => {
        childPid = Number(readFileSync(pidFile, 'utf8'));
        process.kill(pid, 'SIGKILL');
      },
    });
    assert.equal(cli.signal, 'SIGKILL');
    assert.ok(childPid > 0);
    // Liveness, not timing: wait (generously) until the orphan is gone.
    for (let i = 0; i < 200 && !processGone(childPid); i++) await sleep(50);
    assert.ok(processGone(childPid), 'the traced child ended after its CLI was killed');
    const doc = JSON.parse(readFileSync(spec.json!, 'utf8')) as { exitCode: number };
    assert.equal(doc.exitCode, 143);
  });
});
