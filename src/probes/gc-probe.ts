import { performance, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import { nowNs } from '../core/clock.js';
import { suppressTracing } from '../core/context.js';
import type { SpanProbe } from '../core/probe.js';
import type { Span } from '../core/span.js';

export interface GcProbeOptions {
  /** Ended spans kept for GC entries that arrive late. Default 4096. */
  recentSpans?: number;
}

/**
 * Garbage-collection pauses per span, from a global `PerformanceObserver`
 * ('gc' entries): `gcCount` and `gcPauseNs` (sum of the pauses) of the GCs that
 * started while the span was open. Concurrent and nested spans that were open
 * at the time all get the pause (it stopped all of them).
 *
 * GC entries are delivered asynchronously, after the spans they fell in may
 * have ended, so the probe keeps the open spans and the last `recentSpans`
 * ended ones and credits each entry when it arrives; spans that scrolled out
 * of that window before their GC was delivered miss it. Per span the probe
 * costs two set operations; the observer's own time goes to
 * `backgroundOverheadNs`.
 */
export class GcProbe implements SpanProbe {
  readonly name = 'gc';
  readonly selfContained = true;
  backgroundOverheadNs = 0;
  readonly #open = new Set<Span>();
  /** Ring of recently ended spans, oldest at #recentHead (ended in order, so also by end time). */
  readonly #recent: (Span | undefined)[];
  #recentHead = 0;
  #recentCount = 0;
  #observer: PerformanceObserver | null = null;
  /** `nowNs()` minus `performance.now()` in ns: both are monotonic, so one offset converts entry times. */
  #offsetNs = 0;

  constructor(options: GcProbeOptions = {}) {
    this.#recent = new Array<Span | undefined>(Math.max(1, options.recentSpans ?? 4096));
  }

  activate(): void {
    if (this.#observer !== null) return;
    this.#offsetNs = nowNs() - performance.now() * 1e6;
    this.#observer = new PerformanceObserver((list) => {
      const startNs = nowNs();
      suppressTracing(() => this.#credit(list.getEntries()));
      this.backgroundOverheadNs += nowNs() - startNs;
    });
    this.#observer.observe({ entryTypes: ['gc'] });
  }

  deactivate(): void {
    if (this.#observer === null) return;
    // entries buffered but not yet delivered would be lost by disconnect(): credit them first
    const pending = this.#observer.takeRecords();
    this.#credit(pending);
    this.#observer.disconnect();
    this.#observer = null;
  }

  start(span: Span): null {
    this.#open.add(span);
    return null;
  }

  end(span: Span): void {
    this.#open.delete(span);
    const size = this.#recent.length;
    this.#recent[(this.#recentHead + this.#recentCount) % size] = span;
    if (this.#recentCount < size) this.#recentCount++;
    else this.#recentHead = (this.#recentHead + 1) % size;
  }

  #credit(entries: readonly PerformanceEntry[]): void {
    let latestStartNs = -Infinity;
    for (const entry of entries) {
      const gcStartNs = entry.startTime * 1e6 + this.#offsetNs;
      const pauseNs = Math.round(entry.duration * 1e6);
      if (gcStartNs > latestStartNs) latestStartNs = gcStartNs;
      for (const span of this.#open) if (span.startNs <= gcStartNs) this.#add(span, pauseNs);
      const size = this.#recent.length;
      for (let i = 0; i < this.#recentCount; i++) {
        const span = this.#recent[(this.#recentHead + i) % size]!;
        if (span.startNs <= gcStartNs && gcStartNs < span.endNs) this.#add(span, pauseNs);
      }
    }
    // entries arrive in time order: a span that ended before the latest GC seen cannot get a later one
    while (this.#recentCount > 0 && this.#recent[this.#recentHead]!.endNs < latestStartNs) {
      this.#recent[this.#recentHead] = undefined;
      this.#recentHead = (this.#recentHead + 1) % this.#recent.length;
      this.#recentCount--;
    }
  }

  #add(span: Span, pauseNs: number): void {
    span.addMetric('gcCount', 1);
    span.addMetric('gcPauseNs', pauseNs);
  }
}
