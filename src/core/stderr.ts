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
 * The getter `watchStderrStream` put on `process.stderr`, until the stream is
 * made (then Node's own is back); undefined when not watching.
 */
let watchGetter: (() => unknown) | undefined;
/** `process.stderr` was made (read) since `watchStderrStream`. */
let streamMade = false;

/**
 * Learn whether the app makes `process.stderr`, so that the tree at exit does
 * not make it (about 1 ms at the end of the OCR example, whose console.log to
 * a pipe had loaded net): `process.stderr` gets a getter that, on its first
 * read, notes it, puts Node's own getter back and returns what that returns,
 * so the app gets the same stream and, from then on, the same property. Not
 * installed when the stream may exist already (see `stderrStreamMayExist`:
 * another preload wrote to it) or cannot be watched (not a configurable
 * getter). Main thread only: a worker's stderr goes through its parent.
 */
export function watchStderrStream(): void {
  if (watchGetter !== undefined || streamMade || process.platform === 'win32' || stderrStreamMayExist()) return;
  const descriptor = Object.getOwnPropertyDescriptor(process, 'stderr');
  const nodeGetter = descriptor?.get;
  if (descriptor === undefined || nodeGetter === undefined || descriptor.configurable !== true) return;
  const get = function (this: unknown): unknown {
    streamMade = true;
    watchGetter = undefined;
    try {
      Object.defineProperty(process, 'stderr', descriptor);
    } catch {
      // the property was made non-configurable meanwhile: this getter stays, and keeps answering as Node's
    }
    return Reflect.apply(nodeGetter, this, []);
  };
  Object.defineProperty(get, 'name', { value: nodeGetter.name });
  watchGetter = get;
  Object.defineProperty(process, 'stderr', { ...descriptor, get });
}

/** Whether `process.stderr` exists or may: its writes could still be queued there. */
function stderrStreamMade(): boolean {
  if (streamMade) return true;
  // Not watched: judge by the builtins loaded. Watched: unless something put its own property in place of ours.
  if (watchGetter === undefined) return stderrStreamMayExist();
  return Object.getOwnPropertyDescriptor(process, 'stderr')?.get !== watchGetter;
}

/**
 * Writes the tree and warnings to stderr without making `process.stderr` when
 * the app never did: making the stream costs about 1–2 ms (a pipe loads net and
 * the stream classes), at exit, in every traced process. Written straight to
 * fd 2, synchronously, as Node's own stream writes to a pipe, file or
 * terminal on POSIX. Once the stream exists (the app wrote to stderr), it is
 * used, so the text never overtakes something the app queued; a write the fd
 * refuses (EAGAIN on a non-blocking pipe) goes to the stream too, from where
 * it stopped.
 */
export function writeStderr(text: string): void {
  if (process.platform === 'win32' || stderrStreamMade()) {
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
