import type { SpanProbe } from '../core/probe.js';
import type { Span } from '../core/span.js';
import { ProcFile, procNumbers } from './proc-file.js';
import { firstCallOfTarget, KEEP_ALL, keptAtEnd, procWorthy } from './per-span-readings.js';
import { isRetroactive } from './retroactive.js';

/**
 * Process I/O per span from `/proc/self/io` (Linux only; absent elsewhere),
 * read on a kept descriptor (~3 µs per read), on spans worth a `/proc` read:
 * those of targets whose calls average ≥ 1 ms, and spans made by hand (see
 * `per-span-readings.ts`); a hot target of short calls has no disk metrics. Two layers, both process-wide
 * (all threads, so libuv's pool doing `fs.promises` work counts):
 *
 * - `syscallReadBytes` / `syscallWriteBytes` (`rchar` / `wchar`): bytes passed
 *   through read()/write()-family syscalls: files, but also pipes, the
 *   terminal and sockets. Exact and immediate: a 4 KiB `writeFileSync` adds
 *   4096, whatever the file system.
 * - `diskReadBytes` / `diskWriteBytes` (`read_bytes` / `write_bytes`): bytes
 *   the process caused the storage layer to fetch or to dirty. Reads served
 *   from the page cache count 0; writes count when pages are dirtied (ext4
 *   here), and tmpfs or some overlay setups count 0. This is "did it hit the
 *   disk", not "how much did it write".
 *
 * Where the syscall layer counts socket traffic too, the network probe tells
 * the two apart. stagescope's own procfs reads (this file, statm, schedstat,
 * the system sampler) are subtracted from `syscallReadBytes`.
 */
export class DiskProbe implements SpanProbe {
  readonly name = 'disk';
  readonly selfContained = true;
  readonly #io: ProcFile | null = ProcFile.open('/proc/self/io', 512);
  readonly #fields = new Float64Array(6);

  /** False where `/proc/self/io` is not readable (not Linux, restricted procfs): the probe records nothing. */
  get available(): boolean {
    return this.#io !== null;
  }

  start(span: Span): Float64Array | null {
    if (isRetroactive(span) || !procWorthy(span)) return null;
    const ownBytes = ProcFile.bytesRead;
    const values = this.#read();
    if (values !== null) {
      values[4] = ownBytes;
      values[5] = firstCallOfTarget(span) ? 1 : 0;
    }
    return values;
  }

  end(span: Span, state: unknown): void {
    const before = state as Float64Array | null;
    if (before === null) return;
    const ownBytes = ProcFile.bytesRead - before[4]!;
    // A target's first call is read (nothing is known of it); shorter than a /proc read is worth, its figures are dropped.
    if (keptAtEnd(span, before[5] === 1) !== KEEP_ALL) return;
    const after = this.#read();
    if (after === null) return;
    span.setMetric('syscallReadBytes', Math.max(0, after[0]! - before[0]! - ownBytes));
    span.setMetric('syscallWriteBytes', after[1]! - before[1]!);
    span.setMetric('diskReadBytes', after[2]! - before[2]!);
    span.setMetric('diskWriteBytes', after[3]! - before[3]!);
  }

  #read(): Float64Array | null {
    const text = this.#io?.read();
    if (text === undefined || text === null) return null;
    // rchar, wchar, syscr, syscw, read_bytes, write_bytes (fixed order since Linux 2.6.20)
    const fields = this.#fields;
    if (procNumbers(text, fields) < 6) return null;
    const values = new Float64Array(6);
    values[0] = fields[0]!;
    values[1] = fields[1]!;
    values[2] = fields[4]!;
    values[3] = fields[5]!;
    return values;
  }
}
