import { nowNs } from './clock.js';
import { Span, type Trace } from './span.js';
import { STAGES, type Attributes, type Metrics, type SpanError, type SpanStatus, type Stage } from './types.js';
import { DEFAULT_MAX_SPANS } from './recorder-limits.js';
export { DEFAULT_MAX_SPANS } from './recorder-limits.js';

export interface RecorderOptions {
  /** Spans kept in memory; when full the oldest are dropped and counted. Default 100_000. */
  maxSpans?: number;
}

/**
 * Rows at the start; they grow from here up to `maxSpans` (a short run never
 * allocates 100k rows). A traced process makes them at start-up, where every
 * page is touched for the first time: 1,024 rows were about 45 of its page
 * faults (Node 22, `-e 0` under `--import stagescope/register/ocr`: 2,938 →
 * 2,893), for rows most scripts' few dozen spans never use.
 */
const INITIAL_ROWS = 128;

/**
 * The first growths' rows, up to `maxSpans`: 128 → 1,024 → 4,096 → 16,384, then
 * `GROWTH_FACTOR` at a time (→ 100,000 by default). A run of a few hundred
 * spans (an OCR page's lines) touches 1,024 rows, one of a few thousand
 * (a model loop) 4,096.
 *
 * Why 4,096 between: a column of 16,384 rows (128 KiB of doubles) is big enough
 * for malloc to map fresh pages for it, and touching them costs a page fault
 * each (12–20 µs on a VM). A 3,100-span model loop (rows 3 and 4 of bench:cost,
 * Node 22) spent 5.3–5.6 ms growing to 16,384 rows (`overhead.recorderNs`),
 * 1.7 µs of each call, against 0.3 ms with `maxSpans` 4,096 (two runs each).
 * The steps above 16,384 stay ×16: an extra step of 65,536 rows (×4 all the
 * way) touched memory only to throw it away and made a tiny traced call
 * 12–28 ns dearer on a 200,000-call loop (12 interleaved pairs each, Node 22
 * and 24).
 */
const GROWTH_STEPS: readonly number[] = [1024, 4096, 16_384];

/**
 * How much the rows grow at a time past `GROWTH_STEPS`, up to `maxSpans`. Each growth
 * allocates every column anew, copies it and touches the new memory; the old
 * columns become garbage that V8 promotes and copies.
 * Doubling (with V8 growing the object columns by 1.5× at a time) made the
 * young generation grow from 4 to 16 MB on the way: filling the default rows
 * behind a tiny traced function cost 7,100–7,800 more page faults and
 * 110–130 ms more than a 1,024-row ring (Node 24, 220,000 calls; on a 2-core
 * VM where a minor fault costs 12–20 µs). Not at once to 100,000: a run of
 * 1,100 model calls would touch 6.6 MB (25 ms of faults on that VM) for rows
 * it never uses. See docs/overhead.md, "The call path".
 */
const GROWTH_FACTOR = 16;

/** The rows after a growth from `rows` (see GROWTH_STEPS and GROWTH_FACTOR). */
function nextRows(rows: number): number {
  for (const step of GROWTH_STEPS) if (rows < step) return step;
  return rows * GROWTH_FACTOR;
}

/** A memory page: writing one element per page touches the page (`#grow`). */
const PAGE_BYTES = 4096;

const STATUS_CODES: readonly SpanStatus[] = ['unfinished', 'ok', 'error'];
const STAGE_BY_CODE: readonly (Stage | null)[] = [null, ...STAGES];
const STAGE_CODES = new Map<Stage | null, number>(STAGE_BY_CODE.map((stage, code) => [stage, code]));

/** A row's metrics live in per-metric columns (see `Recorder`); past this many distinct metric names they stay objects. */
const MAX_METRIC_COLUMNS = 64;

/** What a row holds besides its numbers: rare, so one optional object per row. */
interface RowExtra {
  error: SpanError | null;
  metrics: Metrics | null;
}

/**
 * Bounded in-memory store of spans, in start order: a ring buffer of parallel
 * typed arrays (struct of arrays) with interned names.
 *
 * Why not an array of `Span` objects: a recorder keeps up to 100k spans alive,
 * and every kept object is promoted out of V8's young generation and copied on
 * the way; on a tiny traced function that promotion measured ~200–300 ns per call,
 * more than the rest of the wrapper together (bench:cost). A wrapped call's span
 * is never held here: its handle sits in the AsyncLocalStorage context while
 * it is open, its row holds what a reader needs meanwhile, and when it ends its
 * fields are copied into the row and the handle can be collected young. Spans
 * made by hand (and those a hook asks to keep: `Span.retain`) are held as live
 * handles while open, and kept after. `spans()` rebuilds `Span` objects for
 * readers (reports, tests) when they ask.
 *
 * A span's metrics (probes' deltas, on every span of a probed run) go into
 * columns too, one `Float64Array` per metric name, NaN where a row has none:
 * kept as one object per span, they were the largest thing a probed hot loop
 * left alive (bench:cost row 7). A metrics object the columns cannot hold
 * exactly (a value that is not a number or is NaN, more than `MAX_METRIC_COLUMNS` names) stays an object.
 *
 * A span is stored when it starts (so a run that dies still has its open spans to
 * show). When full, the oldest row is overwritten: what was dropped is counted, and
 * an open span whose row was taken no longer writes into the buffer.
 */
export class Recorder {
  readonly maxSpans: number;
  #rows = 0;
  #ids = new Float64Array(0);
  #parentIds = new Float64Array(0);
  #startNs = new Float64Array(0);
  #endNs = new Float64Array(0);
  #nameIds = new Int32Array(0);
  #targetIds = new Int32Array(0);
  #stages = new Uint8Array(0);
  #statuses = new Uint8Array(0);
  #traces: (Trace | undefined)[] = [];
  #extras: (RowExtra | undefined)[] = [];
  /**
   * Attributes by row, the span's object: a column of their own, not in
   * `#extras`, so that a span with attributes and nothing else (every onnx
   * run, every sharp pipeline) takes no object of the recorder's, which would
   * live until the ring wraps; a hook's shared attributes (one object per call
   * shape, `shareAttributes`) are stored as they are.
   */
  #attributes: (Attributes | null)[] = [];
  /** Metric columns: names in first-seen order, and each one's values by row (NaN: none). */
  #metricNames: string[] = [];
  #metricColumns: Float64Array[] = [];
  #metricIndex = new Map<string, number>();
  /** The open span of a row (its handle), cleared when it ends. */
  #live: (Span | undefined)[] = [];
  /** Interned strings (span names and targets): id → string, and back. */
  #strings: string[] = [''];
  #stringIds = new Map<string, number>([['', 0]]);
  #next = 0;
  #size = 0;
  #dropped = 0;
  #droppedOpen = 0;
  /** Time spent growing the rows while spans were added, ns (`growNs`). */
  #growNs = 0;
  /** The stage `#stageCode` looked up last, and its code. */
  #lastStage: Stage | null = null;
  #lastStageCode = 0;

  constructor(options: RecorderOptions = {}) {
    const maxSpans = options.maxSpans ?? DEFAULT_MAX_SPANS;
    if (!Number.isInteger(maxSpans) || maxSpans < 1) {
      throw new RangeError(`stagescope: option maxSpans must be a positive integer, got ${String(maxSpans)}`);
    }
    this.maxSpans = maxSpans;
    this.#grow(Math.min(maxSpans, INITIAL_ROWS));
  }

  /** The id of an interned string (span names, targets): a Map lookup the first time, then cached by callers. */
  intern(text: string): number {
    let id = this.#stringIds.get(text);
    if (id === undefined) {
      id = this.#strings.length;
      this.#strings.push(text);
      this.#stringIds.set(text, id);
    }
    return id;
  }

  /**
   * Store a span that is starting: a wrapper calls this before it reads the
   * span's start, so that taking the row (on a filling ring, memory touched
   * for the first time: ~0.5 µs a call on a VM) is not inside the span, and
   * `started` after. A span that keeps its handle (`Span.retain`) is read from
   * the handle until it ends; a wrapped call's span (`retain` false) from its
   * row, whose start fields are written now (see `#openRow`).
   */
  add(span: Span): void {
    if (!span.trace.recorded) return; // bounded elsewhere (serve's request trees)
    const row = this.#next;
    if (this.#size < this.maxSpans) {
      if (row >= this.#rows) {
        const startNs = nowNs();
        this.#grow(Math.min(this.maxSpans, nextRows(this.#rows)));
        this.#growNs += nowNs() - startNs;
      }
      this.#size++;
    } else {
      this.#dropped++;
      const held = this.#live[row];
      if (held !== undefined) {
        if (held.endNs < 0) this.#droppedOpen++;
        held.row = -1; // its end (or a later change) has nowhere to go now
      } else if (this.#endNs[row]! < 0) {
        this.#droppedOpen++; // a wrapped call's span, open in its row (its end finds the row taken)
      }
    }
    this.#next = row + 1 === this.maxSpans ? 0 : row + 1;
    span.row = row;
    this.#ids[row] = span.idNumber;
    this.#parentIds[row] = span.parent === null ? 0 : span.parent.idNumber;
    this.#traces[row] = span.trace;
    this.#targetIds[row] = span.targetId >= 0 ? span.targetId : span.target === null ? -1 : this.intern(span.target);
    if (span.retain) {
      // The rest of the row is written when the span ends (commit): until then
      // readers get the live handle itself (see spans()).
      this.#live[row] = span;
    } else {
      this.#openRow(span, row);
    }
  }

  /**
   * The start of a span `add` stored without its handle, written into its row
   * once read (the row was touched by `add`, before the reading). One store:
   * this runs inside the span.
   */
  started(span: Span): void {
    if (!span.retain && span.row >= 0) this.#startNs[span.row] = span.startNs;
  }

  /**
   * The row of a span whose handle the recorder does not keep: what a reader
   * needs while it is open. Why not keep the handle until the end, as before:
   * the handle is a young object and the handles' array an old one, and each
   * such store went through V8's write barrier into its remembered set; without
   * it a tiny traced call took 22–32 ns less on Node 24 (docs/overhead.md, M29).
   * Only what an open row is read for is written: an end of -1 marks it open,
   * and `#rebuild` takes no status, error or metrics from an open row (what is
   * there is an older span's). What a reader misses of a span still open:
   * attributes set on its handle after it started with none (or with a hook's
   * shared object, which a change copies); they reach the row when it ends.
   */
  #openRow(span: Span, row: number): void {
    this.#live[row] = undefined;
    this.#endNs[row] = -1;
    this.#nameIds[row] = this.#nameIdOf(span);
    this.#stages[row] = this.#stageCode(span.stage);
    this.#attributes[row] = span.attributes;
  }

  /** The interned id of a span's name: the one it started with, unless it was renamed since. */
  #nameIdOf(span: Span): number {
    return span.nameId >= 0 && this.#strings[span.nameId] === span.name ? span.nameId : this.intern(span.name);
  }

  /**
   * A stage's code in the rows, the last one remembered: a wrapper's spans
   * mostly share one stage, and the `Map` lookup was about 7 ns of every
   * span (docs/overhead.md, M25).
   */
  #stageCode(stage: Stage | null): number {
    if (stage !== this.#lastStage) {
      this.#lastStage = stage;
      this.#lastStageCode = stage === null ? 0 : (STAGE_CODES.get(stage) ?? 0);
    }
    return this.#lastStageCode;
  }

  /**
   * Copy an ended span's final fields into its row and let go of the handle.
   * Also used to record a change made after the end (a library that reports
   * completion later, like sharp's callback mode). A span whose row was taken by
   * a newer one (buffer full) is ignored.
   */
  commit(span: Span): void {
    const row = span.row;
    if (row < 0 || this.#ids[row] !== span.idNumber) return;
    this.#write(span, row);
    // A span asked to keep its handle after `add` (a hook's, Span.retain) is read from it from now on.
    if (span.retain) this.#live[row] = span;
    else if (span.endNs >= 0) this.#live[row] = undefined;
  }

  #write(span: Span, row: number): void {
    this.#startNs[row] = span.startNs;
    this.#endNs[row] = span.endNs;
    this.#nameIds[row] = this.#nameIdOf(span);
    this.#stages[row] = this.#stageCode(span.stage);
    this.#statuses[row] = span.status === 'ok' ? 1 : span.status === 'error' ? 2 : 0;
    // The row may hold an older span's metrics (the ring wrapped) or this span's before a change.
    this.#clearMetrics(row);
    const metrics = span.metrics === null || this.#metricsInColumns(span.metrics, row) ? null : span.metrics;
    this.#extras[row] = span.error === null && metrics === null ? undefined : { error: span.error, metrics };
    this.#attributes[row] = span.attributes;
  }

  /** Write a span's metrics into the columns of its row; false (nothing written) when they cannot all go there. */
  #metricsInColumns(metrics: Metrics, row: number): boolean {
    for (const key in metrics) {
      const value = metrics[key]!;
      if (typeof value !== 'number' || Number.isNaN(value) || (!this.#metricIndex.has(key) && this.#metricColumns.length >= MAX_METRIC_COLUMNS)) {
        this.#clearMetrics(row); // the keys already written
        return false;
      }
      this.#metricColumn(key)[row] = value;
    }
    return true;
  }

  #clearMetrics(row: number): void {
    // Indexed, not for-of: this runs at every span's end, and V8's Maglev
    // (Node 24) makes an iterator per for-of loop (~100 bytes a span).
    const columns = this.#metricColumns;
    for (let i = 0; i < columns.length; i++) columns[i]![row] = Number.NaN;
  }

  #metricColumn(key: string): Float64Array {
    const index = this.#metricIndex.get(key);
    if (index !== undefined) return this.#metricColumns[index]!;
    const column = new Float64Array(this.#rows).fill(Number.NaN);
    this.#metricIndex.set(key, this.#metricColumns.length);
    this.#metricNames.push(key);
    this.#metricColumns.push(column);
    return column;
  }

  /** A row's metrics, from the columns or the row's object; null when it has none. */
  #rowMetrics(row: number, extra: RowExtra | undefined): Metrics | null {
    if (extra?.metrics != null) return extra.metrics;
    let metrics: Metrics | null = null;
    for (let i = 0; i < this.#metricColumns.length; i++) {
      const value = this.#metricColumns[i]![row]!;
      if (!Number.isNaN(value)) (metrics ??= {})[this.#metricNames[i]!] = value;
    }
    return metrics;
  }

  /**
   * Spans in start order (oldest first), as `Span` objects: the open ones are
   * their live handles, the ended ones are rebuilt from the rows (with `parent`
   * pointing at the rebuilt parent when it is still in the buffer).
   */
  spans(): Span[] {
    const out: Span[] = [];
    const byId = new Map<number, Span>();
    const first = this.#size < this.maxSpans ? 0 : this.#next;
    for (let i = 0; i < this.#size; i++) {
      const row = (first + i) % this.maxSpans;
      const span = this.#live[row] ?? this.#rebuild(row, byId);
      byId.set(span.idNumber, span);
      out.push(span);
    }
    return out;
  }

  #rebuild(row: number, byId: Map<number, Span>): Span {
    const parentId = this.#parentIds[row]!;
    let parent = parentId === 0 ? null : byId.get(parentId);
    if (parent === undefined) {
      // A parent no longer in the buffer (the ring wrapped past it): one stand-in
      // for all its children, not one each (100,000 of them at a tiny loop's exit).
      parent = Span.detachedParent(parentId, this.#traces[row]!);
      byId.set(parentId, parent);
    }
    // An open row (a wrapped call's span, its handle not kept: `#openRow`)
    // holds its own start, name, stage and attributes; its status, error and
    // metrics are still an older span's.
    const open = this.#endNs[row]! < 0;
    const extra = open ? undefined : this.#extras[row];
    return Span.rebuild({
      idNumber: this.#ids[row]!,
      parent,
      trace: this.#traces[row]!,
      name: this.#strings[this.#nameIds[row]!] ?? '',
      stage: STAGE_BY_CODE[this.#stages[row]!] ?? null,
      target: this.#targetIds[row]! < 0 ? null : (this.#strings[this.#targetIds[row]!] ?? null),
      startNs: this.#startNs[row]!,
      endNs: this.#endNs[row]!,
      status: open ? 'unfinished' : (STATUS_CODES[this.#statuses[row]!] ?? 'unfinished'),
      error: extra?.error ?? null,
      metrics: open ? null : this.#rowMetrics(row, extra),
      attributes: this.#attributes[row] ?? null,
    });
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

  /**
   * Time spent growing the rows while spans were added (allocating, copying,
   * touching the new memory for the first time), ns: part of the run's
   * overhead (`overhead.recorderNs`). Timed where it happens, since a page
   * fault costs well under 1 µs on one machine and 12–20 µs on another (a VM).
   */
  get growNs(): number {
    return this.#growNs;
  }

  clear(): void {
    for (const open of this.#live) if (open !== undefined) open.row = -1;
    this.#metricNames = [];
    this.#metricColumns = [];
    this.#metricIndex = new Map();
    this.#traces = [];
    this.#extras = [];
    this.#attributes = [];
    this.#live = [];
    this.#rows = 0;
    this.#grow(Math.min(this.maxSpans, INITIAL_ROWS));
    this.#next = 0;
    this.#size = 0;
    this.#dropped = 0;
    this.#droppedOpen = 0;
    this.#growNs = 0;
  }

  /**
   * Give every column `rows` rows. The new memory is touched here, once per
   * page, so that its page faults are paid (and timed, `growNs`) in one place,
   * not spread over the next spans' `add`, where nothing would count them. The
   * object columns are allocated at their new length, holes filled in by V8,
   * not grown by V8 element by element (1.5× at a time, copied each time).
   */
  #grow(rows: number): void {
    if (rows <= this.#rows) return;
    const grow = <T extends Float64Array | Int32Array | Uint8Array>(old: T, make: (n: number) => T, blank = 0): T => {
      const next = make(rows);
      next.set(old.subarray(0, this.#rows));
      if (blank !== 0) next.fill(blank, this.#rows);
      else for (let index = this.#rows; index < rows; index += PAGE_BYTES / next.BYTES_PER_ELEMENT) next[index] = 0;
      return next;
    };
    const widen = <T>(old: T[]): T[] => {
      const next = new Array<T>(rows);
      for (let index = 0; index < this.#rows; index++) next[index] = old[index]!;
      return next;
    };
    this.#traces = widen(this.#traces);
    this.#extras = widen(this.#extras);
    this.#attributes = widen(this.#attributes);
    this.#live = widen(this.#live);
    this.#ids = grow(this.#ids, (n) => new Float64Array(n));
    this.#parentIds = grow(this.#parentIds, (n) => new Float64Array(n));
    this.#startNs = grow(this.#startNs, (n) => new Float64Array(n));
    this.#endNs = grow(this.#endNs, (n) => new Float64Array(n));
    this.#nameIds = grow(this.#nameIds, (n) => new Int32Array(n));
    this.#targetIds = grow(this.#targetIds, (n) => new Int32Array(n));
    this.#stages = grow(this.#stages, (n) => new Uint8Array(n));
    this.#statuses = grow(this.#statuses, (n) => new Uint8Array(n));
    this.#metricColumns = this.#metricColumns.map((column) => grow(column, (n) => new Float64Array(n), Number.NaN));
    this.#rows = rows;
  }
}
