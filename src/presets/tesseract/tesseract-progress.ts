import type { Attributes, Stage } from '../../core/types.js';

/**
 * tesseract.js progress events, as stagescope sees them: the engine runs in a
 * worker_thread and reports through the `logger` option; each event is stamped
 * with stagescope's clock when it reaches the main thread. Pure functions here
 * turn those stamps into child phases of a span. Every boundary of a phase is
 * either the span's own start/end or a received event: nothing is interpolated.
 */
export interface ProgressEvent {
  /** `nowNs()` when the main thread received the event. */
  atNs: number;
  /** tesseract.js status text: `loading tesseract core`, `initializing api`, `recognizing text`, … */
  status: string;
  progress: number | undefined;
  /** The job the event belongs to (`userJobId`). */
  jobId: string | undefined;
}

/** A child span to create after the fact, under the span it was derived for. */
export interface Phase {
  name: string;
  stage: Stage | null;
  startNs: number;
  endNs: number;
  attributes: Attributes;
}

/** The status tesseract.js reports while recognising (`TesseractProgress`). */
export const RECOGNIZING_STATUS = 'recognizing text';

/** What is known about one recognize/detect job from its progress events. */
export interface JobProgress {
  firstNs: number;
  lastNs: number;
  count: number;
  lastProgress: number | undefined;
}

/** Fold one "recognizing text" event into its job's summary (a new summary for the job's first event). */
export function addJobEvent(job: JobProgress | undefined, event: ProgressEvent): JobProgress {
  if (job === undefined) return { firstNs: event.atNs, lastNs: event.atNs, count: 1, lastProgress: event.progress };
  job.lastNs = Math.max(job.lastNs, event.atNs);
  job.firstNs = Math.min(job.firstNs, event.atNs);
  job.count++;
  job.lastProgress = event.progress;
  return job;
}

const clamp = (value: number, low: number, high: number): number => Math.min(Math.max(value, low), high);

/**
 * Split a `recognize` call by its "recognizing text" events:
 *
 *   image load + layout analysis (no progress events)   call start → first event
 *   recognizing text                                     first event → last event
 *   output (after last progress event)                   last event → call end
 *
 * tesseract.js emits nothing while it loads the image and analyses the page
 * layout, and nothing while it builds the output (text, hOCR, …) and sends it
 * back; the names say so. With no events there are no phases.
 */
export function recognizePhases(job: JobProgress | undefined, startNs: number, endNs: number): Phase[] {
  if (job === undefined || job.count === 0 || endNs < startNs) return [];
  const firstNs = clamp(job.firstNs, startNs, endNs);
  const lastNs = clamp(job.lastNs, firstNs, endNs);
  const phases: Phase[] = [
    {
      name: 'image load + layout analysis (no progress events)',
      stage: 'detection',
      startNs,
      endNs: firstNs,
      attributes: { boundary: 'call start → first "recognizing text" event' },
    },
  ];
  if (lastNs > firstNs) {
    phases.push({
      name: RECOGNIZING_STATUS,
      stage: 'recognition',
      startNs: firstNs,
      endNs: lastNs,
      attributes: {
        boundary: 'first → last "recognizing text" event',
        progressEvents: job.count,
        ...(job.lastProgress === undefined ? {} : { lastProgress: job.lastProgress }),
      },
    });
  }
  phases.push({
    name: 'output (after last progress event)',
    stage: 'postprocess',
    startNs: lastNs,
    endNs,
    attributes: { boundary: 'last "recognizing text" event → call end' },
  });
  return phases;
}

/**
 * Split worker initialisation (`createWorker`, `reinitialize`) by tesseract.js's
 * own statuses: one phase per status from its first to its last event
 * (`loading tesseract core`, `initializing tesseract`, `loading language
 * traineddata`, `initializing api`), in the order they were reported. For
 * `createWorker`, the time before the first event (the worker thread starting
 * and loading its script) is its own phase. Gaps between statuses (messages in
 * flight, the next job being queued) stay the parent's self time.
 */
export function initPhases(events: readonly ProgressEvent[], startNs: number, endNs: number, options: { workerStart: boolean }): Phase[] {
  const byStatus = new Map<string, { firstNs: number; lastNs: number; count: number }>();
  for (const event of events) {
    if (event.status === RECOGNIZING_STATUS || event.atNs < startNs || event.atNs > endNs) continue;
    const entry = byStatus.get(event.status);
    if (entry === undefined) byStatus.set(event.status, { firstNs: event.atNs, lastNs: event.atNs, count: 1 });
    else {
      entry.firstNs = Math.min(entry.firstNs, event.atNs);
      entry.lastNs = Math.max(entry.lastNs, event.atNs);
      entry.count++;
    }
  }
  if (byStatus.size === 0) return [];
  const ordered = [...byStatus].sort((a, b) => a[1].firstNs - b[1].firstNs);
  const phases: Phase[] = [];
  const firstEventNs = ordered[0]![1].firstNs;
  if (options.workerStart && firstEventNs > startNs) {
    phases.push({
      name: 'start worker thread (no progress events)',
      stage: 'load',
      startNs,
      endNs: firstEventNs,
      attributes: { boundary: 'call start → first progress event' },
    });
  }
  for (const [status, entry] of ordered) {
    if (entry.lastNs <= entry.firstNs) continue; // one event marks a moment, not a phase
    phases.push({
      name: status,
      stage: 'load',
      startNs: entry.firstNs,
      endNs: entry.lastNs,
      attributes: { boundary: `first → last "${status}" event`, progressEvents: entry.count },
    });
  }
  return phases;
}
