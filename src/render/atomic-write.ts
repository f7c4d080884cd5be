import { chmodSync, closeSync, fsyncSync, lstatSync, openSync, realpathSync, renameSync, statSync, unlinkSync, writeSync, type Stats } from 'node:fs';
import path from 'node:path';

/**
 * Write a whole file so that readers (and a later run) see either the old
 * content or the new one, never a truncated mix: the content goes to a
 * temporary file beside the target (same directory, hence same file system),
 * is flushed to disk, and is then renamed over the target (atomic on POSIX).
 * SIGKILL, a full disk or a file-size limit half-way leaves the previous file
 * intact; only the temporary file is lost (and removed when we still can).
 *
 * Not atomic (and not meant to be): targets that are not regular files, such
 * as `/dev/stdout`, `/dev/full` or a FIFO. Those are written in place, because
 * renaming over them would replace the device node instead of writing to it.
 * A symbolic link is followed: the file it points to is replaced, the link kept.
 *
 * Throws the file system's error (ENOSPC, EACCES, ENOENT for a missing
 * directory, …); callers turn it into a message naming the file.
 */
export function writeFileAtomicSync(file: string, content: string | Uint8Array): void {
  const target = resolveTarget(file);
  const existing = statOrUndefined(target);
  if (existing !== undefined && !existing.isFile()) {
    writeInPlace(target, content);
    return;
  }
  const temp = path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.${Math.random().toString(36).slice(2, 10)}.tmp`);
  let fd: number | undefined;
  try {
    // 'wx': never follow or clobber something already at the temporary name.
    fd = openSync(temp, 'wx', existing === undefined ? 0o666 : existing.mode & 0o777);
    writeAll(fd, content);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    if (existing !== undefined) chmodSync(temp, existing.mode & 0o777); // the umask applied at open
    renameSync(temp, target);
  } catch (error) {
    if (fd !== undefined) {
      try {
        closeSync(fd);
      } catch {
        // already failing; the original error is the one to report
      }
    }
    try {
      unlinkSync(temp);
    } catch {
      // never created, or already gone
    }
    throw error;
  }
}

function resolveTarget(file: string): string {
  try {
    if (lstatSync(file).isSymbolicLink()) return realpathSync(file);
  } catch {
    // a missing file (or a dangling link): write the path as given
  }
  return file;
}

function statOrUndefined(file: string): Stats | undefined {
  try {
    return statSync(file);
  } catch {
    return undefined;
  }
}

function writeInPlace(file: string, content: string | Uint8Array): void {
  const fd = openSync(file, 'w');
  try {
    writeAll(fd, content);
  } finally {
    closeSync(fd);
  }
}

function writeAll(fd: number, content: string | Uint8Array): void {
  const bytes = typeof content === 'string' ? Buffer.from(content) : content;
  let offset = 0;
  while (offset < bytes.length) offset += writeSync(fd, bytes, offset, bytes.length - offset);
}
