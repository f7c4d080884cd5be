import { writeSync } from 'node:fs';

/**
 * The builtins Node loads when it makes `process.stderr` (net for a pipe or a
 * socket, tty for a terminal, sync_write_stream for a file): while none is
 * loaded, the stream does not exist, so nothing the app wrote can be queued in
 * it. Also worker_threads, which every worker thread loads: a worker's stderr
 * goes through its parent, never straight to fd 2.
 */
const STREAM_MODULES = new Set(['NativeModule net', 'NativeModule tty', 'NativeModule internal/fs/sync_write_stream', 'NativeModule worker_threads']);

function stderrStreamMayExist(): boolean {
  // Absent (a future Node): assume the stream may exist and use it.
  const loaded = (process as { moduleLoadList?: string[] }).moduleLoadList;
  if (loaded === undefined) return true;
  for (const name of loaded) if (STREAM_MODULES.has(name)) return true;
  return false;
}

/**
 * Writes the tree and warnings to stderr without making `process.stderr` when
 * the app never did: making the stream costs about 2 ms (a pipe loads net and
 * the stream classes), at exit, in every traced process. Written straight to
 * fd 2, synchronously, as Node's own stream writes to a pipe, file or
 * terminal on POSIX. Once the stream exists (the app wrote to stderr, or
 * loaded net), it is used, so the text never overtakes something the app
 * queued; a write the fd refuses (EAGAIN on a non-blocking pipe) goes to the
 * stream too, from where it stopped.
 */
export function writeStderr(text: string): void {
  if (process.platform === 'win32' || stderrStreamMayExist()) {
    process.stderr.write(text);
    return;
  }
  const bytes = Buffer.from(text, 'utf8');
  let offset = 0;
  try {
    while (offset < bytes.length) offset += writeSync(2, bytes, offset, bytes.length - offset);
  } catch {
    process.stderr.write(bytes.subarray(offset));
  }
}
