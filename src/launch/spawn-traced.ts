import { spawn, type ChildProcess, type StdioOptions, type IOType } from 'node:child_process';
import type { Writable } from 'node:stream';
import { registerEntryUrl } from '../paths.js';
import { TERMINATING_SIGNALS } from '../driver/lifecycle.js';
import { tracedEnv, type TracedRunOptions } from './traced-run-options.js';

/** How the child ended; `stderr` is set when stdio[2] was `'pipe'`. */
export interface TracedRunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

/** The child's fd of the control pipe (stdio index 3). */
const PARENT_FD = 3;

/**
 * Run `node [nodeArgs] --import <register> script [args]` with the STAGESCOPE_*
 * environment and wait for it. Shared by `stagescope run` and `stagescope bench`
 * so both trace a script in exactly the same way.
 *
 * Signals: SIGINT, SIGTERM and SIGHUP sent to this process (kill, docker stop,
 * systemd, Kubernetes) are forwarded to the child through a control pipe; the
 * child raises each on itself once, unless the same signal already reached it
 * directly (Ctrl-C reaches the whole terminal process group), so the app sees
 * it once. The caller then exits as the child exited. If this process dies
 * without forwarding (SIGKILL), the pipe closes and the child gets SIGTERM
 * instead of running on as an orphan (see driver/parent-link.ts).
 */
export function spawnTraced(options: TracedRunOptions): Promise<TracedRunResult> {
  const register = registerEntryUrl('index');
  const nodeArgs = [...(options.settings.nodeArgs ?? []), '--import', register, ...options.command];
  const stdio = normalizeStdio(options.stdio ?? 'inherit');
  const env = { ...tracedEnv(options), STAGESCOPE_PARENT_FD: String(PARENT_FD) };
  return new Promise<TracedRunResult>((resolve, reject) => {
    const child: ChildProcess = spawn(process.execPath, nodeArgs, { stdio: [...stdio, 'pipe'], env, cwd: options.cwd });
    let stderr = '';
    // Decoded as a stream: a chunk-by-chunk decode turned a character split
    // across two reads (every 64 KiB of a pipe) into replacement characters.
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      stderr += chunk;
    });
    const control = child.stdio[PARENT_FD] as Writable | null | undefined;
    control?.on('error', () => undefined); // the child is gone: nothing left to forward to
    const forwarders = TERMINATING_SIGNALS.map((signal) => {
      const forward = (): void => {
        try {
          control?.write(`${signal}\n`);
        } catch {
          // the child already exited
        }
      };
      process.on(signal, forward);
      return [signal, forward] as const;
    });
    const stopForwarding = (): void => {
      for (const [signal, forward] of forwarders) process.off(signal, forward);
    };
    child.on('error', (error) => {
      stopForwarding();
      reject(error);
    });
    child.on('close', (code, signal) => {
      stopForwarding();
      resolve({ code, signal, stderr });
    });
  });
}

type StdioEntry = Exclude<StdioOptions, IOType>[number];

function normalizeStdio(stdio: StdioOptions): StdioEntry[] {
  if (Array.isArray(stdio)) return [stdio[0] ?? 'pipe', stdio[1] ?? 'pipe', stdio[2] ?? 'pipe'];
  return [stdio, stdio, stdio];
}
