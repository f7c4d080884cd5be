import type { Span } from './span.js';

export interface RecorderOptions {
  /** Spans kept in memory; when full the oldest are dropped and counted. Default 100_000. */
  maxSpans?: number;
}

export const DEFAULT_MAX_SPANS = 100_000;

/**
 * Bounded in-memory store of spans, in start order. A span is stored when it
 * starts (so a run that dies still has its open spans to show) and read when the
 * report is made. A ring buffer: a long-running process never grows past
 * `maxSpans`; what was dropped is counted and reported.
 */
export class Recorder {
  readonly maxSpans: number;
  #buffer: (Span | undefined)[];
  #next = 0;
  #size = 0;
  #dropped = 0;
  #droppedOpen = 0;

  constructor(options: RecorderOptions = {}) {
    const maxSpans = options.maxSpans ?? DEFAULT_MAX_SPANS;
    if (!Number.isInteger(maxSpans) || maxSpans < 1) {
      throw new RangeError(`stagescope: option maxSpans must be a positive integer, got ${String(maxSpans)}`);
    }
    this.maxSpans = maxSpans;
    this.#buffer = new Array<Span | undefined>(Math.min(maxSpans, 1024));
  }

  add(span: Span): void {
    if (!span.trace.recorded) return; // bounded elsewhere (serve's request trees)
    if (this.#size < this.maxSpans) {
      if (this.#next >= this.#buffer.length) this.#buffer.length = Math.min(this.maxSpans, this.#buffer.length * 2);
      this.#buffer[this.#next] = span;
      this.#next = (this.#next + 1) % this.maxSpans;
      this.#size++;
      return;
    }
    const old = this.#buffer[this.#next];
    if (old !== undefined) {
      this.#dropped++;
      if (!old.ended) this.#droppedOpen++;
    }
    this.#buffer[this.#next] = span;
    this.#next = (this.#next + 1) % this.maxSpans;
  }

  /** Spans in start order (oldest first). */
  spans(): Span[] {
    if (this.#size < this.maxSpans) return this.#buffer.slice(0, this.#size) as Span[];
    return [...this.#buffer.slice(this.#next), ...this.#buffer.slice(0, this.#next)] as Span[];
  }

  /** Spans dropped because the buffer was full (oldest first). */
  get droppedSpans(): number {
    return this.#dropped;
  }

  /** Of the dropped spans, how many were still open when dropped. */
  get droppedOpenSpans(): number {
    return this.#droppedOpen;
  }

  get size(): number {
    return this.#size;
  }

  clear(): void {
    this.#buffer = new Array<Span | undefined>(Math.min(this.maxSpans, 1024));
    this.#next = 0;
    this.#size = 0;
    this.#dropped = 0;
    this.#droppedOpen = 0;
  }
}
