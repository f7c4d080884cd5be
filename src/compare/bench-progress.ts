/** One finished child run of a benchmark. */
export interface BenchProgressEvent {
  /** 1-based count of finished runs, warm-up included. */
  done: number;
  total: number;
  variantLabel: string;
  warmup: boolean;
  durationNs: number;
}

export type BenchProgress = (event: BenchProgressEvent) => void;

/**
 * Progress on a stream: an in-place bar on a terminal, one plain line per run
 * otherwise (CI logs and pipes do not understand carriage returns).
 */
export function createProgressReporter(stream: NodeJS.WriteStream | NodeJS.WritableStream = process.stderr): { update: BenchProgress; finish: () => void } {
  const tty = (stream as NodeJS.WriteStream).isTTY === true;
  let drawn = false;
  return {
    update(event) {
      const seconds = (event.durationNs / 1e9).toFixed(2);
      const what = `${event.warmup ? 'warm-up ' : ''}${event.variantLabel}`;
      if (!tty) {
        stream.write(`bench: ${event.done}/${event.total} ${what} ${seconds} s\n`);
        return;
      }
      const width = 24;
      const filled = Math.round((event.done / event.total) * width);
      // A pseudo-terminal without a size reports 0 columns: assume a normal width then.
      const reported = (stream as NodeJS.WriteStream).columns ?? 0;
      const columns = reported > 20 ? reported : 100;
      const line = `bench [${'█'.repeat(filled)}${'░'.repeat(width - filled)}] ${event.done}/${event.total}  ${what}  ${seconds} s`;
      stream.write(`\r${line.slice(0, columns - 1)}\x1b[K`);
      drawn = true;
    },
    finish() {
      if (drawn) stream.write('\r\x1b[K');
    },
  };
}
