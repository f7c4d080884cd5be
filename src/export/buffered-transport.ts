import { suppressTracing } from '../core/context.js';
import { reportDiagnostic } from '../core/diagnostics.js';

/** Sends one batch; rejects (or never settles) when the backend is down. */
export type SendBatch<T> = (batch: T[], signal: AbortSignal) => Promise<void>;

export interface BufferedTransportOptions {
  /** Name used in warnings and diagnostics, e.g. `otlp`, `zipkin`. */
  name: string;
  /** Items (spans) held at most, queued plus in flight; beyond it new items are dropped and counted. Default 2048. */
  maxQueueItems?: number;
  /** Items per batch. Default 512. */
  maxBatchItems?: number;
  /** How long an item may wait for a batch to fill before it is sent. Default 1000 ms. */
  flushIntervalMs?: number;
  /** One send attempt is abandoned (and counts as failed) after this long. Default 10_000 ms. */
  timeoutMs?: number;
  /** Retries of a failed batch before it is dropped. Default 2. */
  maxRetries?: number;
  /** First retry delay; doubles per retry (with jitter) up to `maxBackoffMs`. Default 500 ms. */
  initialBackoffMs?: number;
  /** Default 10_000 ms. */
  maxBackoffMs?: number;
}

type ResolvedOptions = Required<BufferedTransportOptions>;

/** Counters of a transport (all since construction). */
export interface TransportStats {
  /** Items waiting for a batch. */
  queued: number;
  /** Items in the batch being sent or retried. */
  inFlight: number;
  /** Items delivered. */
  sent: number;
  /** Items dropped: queue full, or their batch failed `maxRetries + 1` times, or sent after shutdown. */
  dropped: number;
  /** Send attempts that failed (each retry counts). */
  failedAttempts: number;
}

/** `process.emitWarning` code of the one warning a transport emits when it first drops data. */
export const EXPORT_DROPPED_WARNING_CODE = 'STAGESCOPE_EXPORT_DROPPED';

function positiveInteger(name: string, value: number | undefined, fallback: number, min = 1): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value < min) {
    throw new RangeError(`stagescope exporter: option ${name} must be a number >= ${min}, got ${String(value)}`);
  }
  return Math.floor(value);
}

function resolveOptions(options: BufferedTransportOptions): ResolvedOptions {
  const maxQueueItems = positiveInteger('maxQueueItems', options.maxQueueItems, 2048);
  return {
    name: options.name,
    maxQueueItems,
    maxBatchItems: Math.min(maxQueueItems, positiveInteger('maxBatchItems', options.maxBatchItems, 512)),
    flushIntervalMs: positiveInteger('flushIntervalMs', options.flushIntervalMs, 1000, 0),
    timeoutMs: positiveInteger('timeoutMs', options.timeoutMs, 10_000),
    maxRetries: positiveInteger('maxRetries', options.maxRetries, 2, 0),
    initialBackoffMs: positiveInteger('initialBackoffMs', options.initialBackoffMs, 500, 0),
    maxBackoffMs: positiveInteger('maxBackoffMs', options.maxBackoffMs, 10_000, 0),
  };
}

/**
 * A bounded, batching, retrying queue between the app and an exporter's
 * backend. The app side (`enqueue`) is O(1) and never throws, never blocks and
 * never awaits; everything else runs later on unref'd timers with tracing
 * suppressed, one batch in flight at a time. Memory is bounded by
 * `maxQueueItems`: when the backend is down or slow, new items are dropped and
 * counted, and one warning (`process.emitWarning`, code
 * `STAGESCOPE_EXPORT_DROPPED`, plus a stagescope diagnostic) says so.
 */
export class BufferedTransport<T> {
  readonly options: Readonly<ResolvedOptions>;
  readonly #send: SendBatch<T>;
  #queue: T[] = [];
  #inFlight = 0;
  #sending: Promise<void> | null = null;
  #timer: NodeJS.Timeout | null = null;
  #shutdown = false;
  #warned = false;
  #sent = 0;
  #dropped = 0;
  #failedAttempts = 0;
  /** True after a batch was dropped for failing, until a send succeeds: later batches get one attempt, no retries. */
  #backendDown = false;
  #shutdownDeadline = Number.POSITIVE_INFINITY;
  /** Set once the shutdown deadline passed: nothing more is attempted or retried. */
  #pastDeadline = false;
  /** Ends the current send attempt or backoff sleep at once (shutdown deadline). */
  #interrupt: (() => void) | null = null;

  /**
   * @param send delivers one batch; called with tracing suppressed.
   * @throws RangeError naming the option when an option is out of range.
   */
  constructor(send: SendBatch<T>, options: BufferedTransportOptions) {
    this.options = resolveOptions(options);
    this.#send = send;
  }

  get stats(): TransportStats {
    return { queued: this.#queue.length, inFlight: this.#inFlight, sent: this.#sent, dropped: this.#dropped, failedAttempts: this.#failedAttempts };
  }

  /** Queue one item; returns false when it was dropped (queue full or shut down). Never throws. */
  enqueue(item: T): boolean {
    if (this.#shutdown || this.#queue.length + this.#inFlight >= this.options.maxQueueItems) {
      this.#drop(1, this.#shutdown ? 'the exporter was shut down' : `the export queue is full (maxQueueItems ${this.options.maxQueueItems})`);
      return false;
    }
    this.#queue.push(item);
    this.#schedule();
    return true;
  }

  /** Queue several items (each counted separately against the bound). */
  enqueueMany(items: readonly T[]): number {
    let accepted = 0;
    for (const item of items) if (this.enqueue(item)) accepted++;
    return accepted;
  }

  /**
   * Send everything queued now (with the usual retries). Resolves when the queue
   * is empty or what is left was dropped; never rejects.
   */
  async flush(): Promise<void> {
    this.#clearTimer();
    // The transport's timers and sockets are unref'd so they never hold the app
    // open; while someone awaits a flush (end of a script), hold the event loop
    // open so the retries and timeouts can still fire.
    const keepAlive = setInterval(() => {}, 1 << 30);
    try {
      while (this.#sending !== null || this.#queue.length > 0) {
        if (this.#sending === null) {
          if (this.#pastDeadline || Date.now() >= this.#shutdownDeadline) {
            this.#pastDeadline = true;
            this.#drop(this.#queue.length, 'the exporter shut down before the backend took everything');
            this.#queue = [];
            break;
          }
          this.#startBatch();
        }
        const sending = this.#sending!;
        if (!(await settlesBefore(sending, this.#shutdownDeadline))) {
          // The deadline covers the batch in flight and its retries, not only the next one.
          this.#pastDeadline = true;
          this.#interrupt?.();
          await sending; // settles at once now: the attempt or sleep was cut, the batch dropped
        }
      }
    } finally {
      clearInterval(keepAlive);
    }
  }

  /**
   * Flush, then refuse new items. Never rejects. Resolves within `deadlineMs`
   * (default twice `timeoutMs`), retries and the batch in flight included: what
   * is not delivered by then is dropped and counted, so shutting down with the
   * backend down takes bounded time.
   */
  async shutdown(deadlineMs: number = 2 * this.options.timeoutMs): Promise<void> {
    this.#shutdownDeadline = Date.now() + deadlineMs;
    await this.flush();
    this.#shutdown = true;
    this.#clearTimer();
  }

  #schedule(): void {
    if (this.#sending !== null) return; // the running batch reschedules when done
    if (this.#queue.length >= this.options.maxBatchItems) {
      this.#clearTimer();
      this.#timer = setTimeout(() => this.#onTimer(), 0);
      this.#timer.unref();
    } else if (this.#timer === null) {
      this.#timer = setTimeout(() => this.#onTimer(), this.options.flushIntervalMs);
      this.#timer.unref();
    }
  }

  #onTimer(): void {
    this.#timer = null;
    if (this.#sending === null && this.#queue.length > 0) this.#startBatch();
  }

  #clearTimer(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }

  #startBatch(): void {
    const batch = this.#queue.splice(0, this.options.maxBatchItems);
    this.#inFlight = batch.length;
    // Timers inherit the async context they were created in (an app span);
    // suppress so the exporter's own HTTP calls are never traced.
    this.#sending = suppressTracing(() => this.#deliver(batch)).finally(() => {
      this.#inFlight = 0;
      this.#sending = null;
      if (this.#queue.length > 0 && !this.#shutdown) this.#schedule();
    });
  }

  async #deliver(batch: T[]): Promise<void> {
    let backoffMs = this.options.initialBackoffMs;
    for (let attempt = 0; ; attempt++) {
      const error = await this.#attempt(batch);
      if (error === null) {
        this.#sent += batch.length;
        this.#backendDown = false;
        return;
      }
      this.#failedAttempts++;
      // Retrying every batch against a backend known to be down would only keep
      // data (memory) around longer and slow shutdown; one attempt each until it is back.
      const delayMs = Math.min(this.options.maxBackoffMs, backoffMs * (0.8 + Math.random() * 0.4));
      const noTimeLeft = this.#pastDeadline || Date.now() + delayMs >= this.#shutdownDeadline;
      if (attempt >= this.options.maxRetries || this.#shutdown || this.#backendDown || noTimeLeft) {
        this.#backendDown = true;
        this.#drop(batch.length, `export failed ${attempt + 1} time(s): ${describe(error)}`);
        return;
      }
      backoffMs *= 2;
      await this.#sleep(delayMs);
      if (this.#pastDeadline) {
        this.#drop(batch.length, 'the exporter shut down before the backend took everything');
        return;
      }
    }
  }

  /** One send with a hard timeout; resolves to the error or null. */
  #attempt(batch: T[]): Promise<unknown> {
    return new Promise<unknown>((resolve) => {
      const controller = new AbortController();
      const timer = setTimeout(() => {
        controller.abort();
        resolve(new Error(`timed out after ${this.options.timeoutMs} ms`));
      }, this.options.timeoutMs);
      timer.unref();
      this.#interrupt = () => {
        clearTimeout(timer);
        controller.abort();
        resolve(new Error('the shutdown deadline passed'));
      };
      let sending: Promise<void>;
      try {
        sending = this.#send(batch, controller.signal);
      } catch (error) {
        clearTimeout(timer);
        resolve(error ?? new Error('send threw'));
        return;
      }
      sending.then(
        () => {
          clearTimeout(timer);
          resolve(null);
        },
        (error: unknown) => {
          clearTimeout(timer);
          resolve(error ?? new Error('send failed'));
        },
      );
    });
  }

  /** An unref'd backoff sleep that the shutdown deadline can cut short. */
  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      timer.unref();
      this.#interrupt = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  #drop(count: number, reason: string): void {
    this.#dropped += count;
    if (this.#warned) return;
    this.#warned = true;
    const message =
      `stagescope ${this.options.name} exporter: dropping data because ${reason}; the app is unaffected. ` +
      `Check that the backend is reachable, or raise maxQueueItems. Further drops are only counted (exporter.stats.dropped).`;
    reportDiagnostic('SS_EXPORT_DROPPED', message);
    try {
      process.emitWarning(message, { code: EXPORT_DROPPED_WARNING_CODE, type: 'StagescopeWarning' });
    } catch {
      // a throwing 'warning' listener is not the app's problem
    }
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' ? `${code} ${error.message}` : error.message;
  }
  return String(error);
}

/** Does `promise` settle before the wall-clock `deadlineMs` (Date.now)? An infinite deadline just waits. */
async function settlesBefore(promise: Promise<unknown>, deadlineMs: number): Promise<boolean> {
  if (!Number.isFinite(deadlineMs)) {
    await promise;
    return true;
  }
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), Math.max(0, deadlineMs - Date.now()));
  });
  try {
    return await Promise.race([promise.then(() => true), deadline]);
  } finally {
    clearTimeout(timer);
  }
}
