import { closeSync, openSync, readSync } from 'node:fs';

/**
 * A `/proc` file kept open and re-read with `pread` at offset 0.
 *
 * Why: `readFileSync('/proc/self/io')` costs ~15 µs (open + fstat + read +
 * close); a positional read on a kept descriptor costs ~2–3 µs, and procfs
 * regenerates the content on every read at offset 0. Linux only: `open()`
 * returns null where the file does not exist, and callers leave their metric
 * out (absent, not zero).
 */
export class ProcFile {
  /**
   * Bytes all ProcFile reads have returned so far. procfs reads count in the
   * process's own `rchar`; the disk probe subtracts stagescope's reads with this.
   */
  static bytesRead = 0;
  readonly path: string;
  #fd: number;
  readonly #buffer: Buffer;

  private constructor(path: string, fd: number, bufferBytes: number) {
    this.path = path;
    this.#fd = fd;
    this.#buffer = Buffer.allocUnsafe(bufferBytes);
  }

  /** Open `path` for repeated reads, or null when it cannot be read here (not Linux, no procfs). */
  static open(path: string, bufferBytes = 1024): ProcFile | null {
    if (process.platform !== 'linux') return null;
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch {
      return null;
    }
    const file = new ProcFile(path, fd, bufferBytes);
    if (file.read() === null) {
      file.close();
      return null;
    }
    return file;
  }

  /** The file's current content (latin1), or null if the read failed or the file was closed. */
  read(): string | null {
    if (this.#fd < 0) return null;
    try {
      const bytes = readSync(this.#fd, this.#buffer, 0, this.#buffer.length, 0);
      ProcFile.bytesRead += bytes;
      return this.#buffer.toString('latin1', 0, bytes);
    } catch {
      return null;
    }
  }

  close(): void {
    if (this.#fd < 0) return;
    try {
      closeSync(this.#fd);
    } catch {
      // already closed: nothing to release
    }
    this.#fd = -1;
  }
}

/**
 * The number after `key` in a `key: value` procfs text (`/proc/self/io`), or -1.
 * Pass the key with its colon and, where it is a suffix of another key, with the
 * leading newline (`'\nwrite_bytes:'`, not to match `cancelled_write_bytes:`).
 */
export function procField(text: string, key: string): number {
  const at = text.indexOf(key);
  if (at < 0) return -1;
  let i = at + key.length;
  while (i < text.length && (text.charCodeAt(i) === 58 /* : */ || text.charCodeAt(i) === 32)) i++;
  let value = 0;
  let digits = 0;
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i) - 48;
    if (c < 0 || c > 9) break;
    value = value * 10 + c;
    digits++;
  }
  return digits === 0 ? -1 : value;
}

/**
 * The page size `/proc/self/statm` counts in. Node has no API for it, so compare
 * one statm reading with `process.memoryUsage.rss()` (bytes) and round the ratio
 * to a power of two (4096 on x86-64, 16384 or 65536 on some arm64 kernels).
 */
export function statmPageBytes(statm: ProcFile): number {
  const text = statm.read();
  const rssBytes = process.memoryUsage.rss();
  const pages = text === null ? 0 : Number(text.split(' ')[1]);
  if (!(pages > 0)) return 4096;
  return 2 ** Math.round(Math.log2(rssBytes / pages));
}

/**
 * The first `into.length` decimal numbers of a procfs text, in order, written
 * into `into` (one pass, no allocation): `/proc/self/io` has no digits in its
 * keys, so its values come out as [rchar, wchar, syscr, syscw, read_bytes,
 * write_bytes, …]. Returns how many numbers were found.
 */
export function procNumbers(text: string, into: Float64Array): number {
  let count = 0;
  let value = 0;
  let inNumber = false;
  for (let i = 0; i < text.length && count < into.length; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit >= 0 && digit <= 9) {
      value = inNumber ? value * 10 + digit : digit;
      inNumber = true;
    } else if (inNumber) {
      into[count++] = value;
      inNumber = false;
    }
  }
  if (inNumber && count < into.length) into[count++] = value;
  return count;
}
