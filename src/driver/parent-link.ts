import { createRequire } from 'node:module';
import type net from 'node:net';
import { receivedSignalSince, TERMINATING_SIGNALS } from './lifecycle.js';

/**
 * The traced child's end of the CLI's control pipe (`stagescope run` passes it
 * as an extra stdio entry and names its fd in STAGESCOPE_PARENT_FD).
 *
 * - Forwarded signals: the CLI writes `SIGTERM\n` when it gets SIGTERM (kill,
 *   docker stop, systemd). When the same signal also reached this process
 *   directly (Ctrl-C goes to the whole terminal process group; systemd signals
 *   the whole cgroup), it is not raised a second time: the app sees it once.
 * - Parent gone: when the CLI dies without a chance to forward anything
 *   (SIGKILL, OOM killer), the pipe closes; the child then gets SIGTERM, as if
 *   it had been forwarded, instead of running on as an orphan.
 *
 * The socket is unref'd: it never keeps the script alive.
 */
export function watchParentLink(fdText: string | undefined): void {
  const fd = Number(fdText);
  if (fdText === undefined || !Number.isInteger(fd) || fd < 3) return;
  let socket: net.Socket;
  try {
    // node:net only under the CLI (~3 ms of start-up for every other traced process).
    const { Socket } = createRequire(import.meta.url)('node:net') as typeof net;
    socket = new Socket({ fd, readable: true, writable: false });
  } catch {
    return; // not a pipe we can read (run by hand with the variable set): nothing to watch
  }
  socket.unref();
  socket.setEncoding('utf8');
  let pending = '';
  let gone = false;
  socket.on('data', (chunk: string) => {
    pending += chunk;
    let newline: number;
    while ((newline = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, newline).trim();
      pending = pending.slice(newline + 1);
      const signal = TERMINATING_SIGNALS.find((name) => name === line);
      if (signal !== undefined) raiseForwarded(signal);
    }
  });
  socket.on('error', () => undefined);
  const parentGone = (): void => {
    if (gone) return;
    gone = true;
    raiseForwarded('SIGTERM');
  };
  socket.on('end', parentGone);
  socket.on('close', parentGone);
}

/** Grace for the direct copy of a group-wide signal to arrive after the forwarded one. */
const DEDUPE_WAIT_MS = 50;
/** A direct signal this recent is taken to be the same event as a forwarded one. */
const DEDUPE_WINDOW_MS = 1000;

function raiseForwarded(signal: NodeJS.Signals): void {
  const atMs = Date.now();
  setTimeout(() => {
    if (receivedSignalSince(signal, atMs - DEDUPE_WINDOW_MS)) return;
    try {
      process.kill(process.pid, signal);
    } catch {
      // cannot happen for our own pid; never let it reach the app
    }
  }, DEDUPE_WAIT_MS).unref();
}
