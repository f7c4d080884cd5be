import { nowNs } from '../../core/clock.js';
import { storage } from '../../core/context.js';
import { guarded } from '../../core/guarded.js';
import type { Span } from '../../core/span.js';
import type { Stage } from '../../core/types.js';
import { hookState, registerTargetHook } from '../../instrument/hook-registry.js';
import type { CallContext, TargetHook } from '../../instrument/wrap.js';
import { addDerivedPhases } from '../derived-phases.js';
import { addJobEvent, initPhases, recognizePhases, RECOGNIZING_STATUS, type JobProgress, type Phase, type ProgressEvent } from './tesseract-progress.js';

/**
 * tesseract.js hooks (presets/tesseract.yaml).
 *
 * The engine runs in a worker_thread, so AsyncLocalStorage does not reach it;
 * what crosses back is the `logger` option, called on the main thread with
 * `{ workerId, status, progress, userJobId }`. `createWorker` gets a copy of the
 * caller's options whose logger records the event, then calls the caller's own
 * logger with the very same object (the caller's options object is never
 * touched). Events are attributed by the worker they came through (the logger
 * is per worker) and by `userJobId` (a recognize result carries its `jobId`), and
 * become child phases of `createWorker`, `reinitialize` and `recognize` spans.
 *
 * Schedulers: `scheduler.addJob` queues the job and a worker picks it up later,
 * from whatever async context freed it (another job's completion), so context
 * alone would file job 5 under job 1. The scheduler's queue is FIFO, so the
 * hooks keep the same FIFO of `addJob` spans per scheduler, and `addWorker`
 * hands the scheduler a Proxy of the worker that runs each dispatched job inside
 * the span of the `addJob` call that queued it.
 */

const DERIVED_FROM = 'tesseract.js logger events';
/** Init/reinit events kept per worker (a few per init; the cap only guards a misuse). */
const MAX_WORKER_EVENTS = 200;
/** Jobs whose progress is kept until their span ends (untraced jobs are evicted oldest first). */
const MAX_PENDING_JOBS = 1000;

/** The events of one worker (one `createWorker` call) that are not per-job progress. */
class WorkerLog {
  workerId: string | undefined;
  readonly events: ProgressEvent[] = [];
  constructor(readonly span: Span) {}
}

/** What the tesseract hooks of one preset know (`call.scope.state(TESSERACT)`): never shared between presets. */
class TesseractState {
  /** Progress of recognize/detect jobs by `userJobId`, until their span ends. */
  readonly jobs = new Map<string, JobProgress>();
  readonly workerLogs = new Map<string, WorkerLog>();
  readonly callLogs = new WeakMap<Span, WorkerLog>();
  /** `addJob` spans per scheduler, in the scheduler's FIFO order. */
  readonly schedulerQueues = new WeakMap<object, { span: Span; action: string }[]>();
  /** Set while a scheduler's Proxy dispatches a job: which worker runs it. */
  dispatchingWorkerId: string | undefined = undefined;
}

const TESSERACT = hookState('tesseract', () => new TesseractState());

function stateOf(call: CallContext): TesseractState {
  return call.scope.state(TESSERACT);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null;
}

function workerIdOf(value: unknown): string | undefined {
  if (!isObject(value)) return undefined;
  const id = value.id;
  return typeof id === 'string' && id.startsWith('Worker-') ? id : undefined;
}

function recordEvent(state: TesseractState, log: WorkerLog, message: unknown): void {
  const atNs = nowNs();
  if (!isObject(message) || typeof message.status !== 'string') return;
  const event: ProgressEvent = {
    atNs,
    status: message.status,
    progress: typeof message.progress === 'number' ? message.progress : undefined,
    jobId: typeof message.userJobId === 'string' ? message.userJobId : undefined,
  };
  if (log.workerId === undefined && typeof message.workerId === 'string') {
    log.workerId = message.workerId;
    state.workerLogs.set(message.workerId, log);
  }
  if (event.status === RECOGNIZING_STATUS) {
    if (event.jobId !== undefined) {
      const jobs = state.jobs;
      jobs.set(event.jobId, addJobEvent(jobs.get(event.jobId), event));
      if (jobs.size > MAX_PENDING_JOBS) jobs.delete(jobs.keys().next().value!);
    }
  } else {
    if (log.events.length >= MAX_WORKER_EVENTS) log.events.splice(0, log.events.length / 2);
    log.events.push(event);
  }
  // Recording runs in tesseract.js's message handler, outside any wrapper: count it as overhead.
  log.span.trace.overheadNs += nowNs() - atNs;
}

/**
 * A copy of the caller's options with a logger that records, then calls the
 * caller's logger. Undefined when the options must be passed through as they
 * are (a non-object, or an explicit non-function `logger` that tesseract.js
 * itself would trip over: stagescope must not hide that error).
 */
function chainLogger(state: TesseractState, options: unknown, log: WorkerLog): Record<string, unknown> | undefined {
  if (options !== undefined && options !== null && typeof options !== 'object') return undefined;
  // The spread is what tesseract.js does to the options itself (own enumerable properties).
  const copy: Record<string, unknown> = { ...(options as object | null | undefined) };
  const userLogger = copy.logger;
  if ('logger' in copy && typeof userLogger !== 'function') return undefined;
  copy.logger = function stagescopeLogger(this: unknown, message: unknown): unknown {
    guarded('SS_HOOK_FAILED', 'recording a tesseract.js logger event threw', () => recordEvent(state, log, message));
    return typeof userLogger === 'function' ? Reflect.apply(userLogger, this, [message]) : undefined;
  };
  return copy;
}

function tagged(phases: Phase[]): Phase[] {
  for (const phase of phases) phase.attributes.derivedFrom = DERIVED_FROM;
  return phases;
}

function setWorker(call: CallContext): void {
  const id = stateOf(call).dispatchingWorkerId ?? workerIdOf(call.thisArg);
  if (id !== undefined) call.span.setAttribute('worker', id);
}

function actionStage(action: string): Stage | null {
  if (action === 'recognize') return 'recognition';
  if (action === 'detect') return 'classification'; // orientation and script detection
  return null;
}

function describeLangs(langs: unknown): string | undefined {
  if (typeof langs === 'string') return langs;
  if (Array.isArray(langs)) return langs.join('+');
  return undefined;
}

registerTargetHook('tesseract.create-worker', {
  onStart(call) {
    call.span.setAttribute('langs', describeLangs(call.args[0]) ?? 'eng');
    if (typeof call.args[1] === 'number') call.span.setAttribute('oem', call.args[1]);
  },
  aroundCall(call, invoke) {
    const state = stateOf(call);
    const log = new WorkerLog(call.span);
    state.callLogs.set(call.span, log);
    const options = chainLogger(state, call.args[2], log);
    if (options === undefined) return invoke(call.args);
    const args = [...call.args];
    while (args.length < 2) args.push(undefined); // undefined takes the parameter's default, as before
    args[2] = options;
    return invoke(args);
  },
  onEnd(call) {
    const state = stateOf(call);
    const log = state.callLogs.get(call.span);
    if (log === undefined) return;
    const id = workerIdOf(call.result);
    if (id !== undefined) {
      log.workerId = id;
      state.workerLogs.set(id, log);
      call.span.setAttribute('worker', id);
    }
    addDerivedPhases(call.scope, call.span, tagged(initPhases(log.events, call.span.startNs, nowNs(), { workerStart: true })));
    log.events.length = 0; // consumed; later init events belong to reinitialize
  },
});

/**
 * `Tesseract.recognize(image, langs, options)` / `Tesseract.detect(image, options)`:
 * tesseract.js's one-shot helpers create a worker, run one job and terminate
 * it, all through internal references stagescope cannot wrap. The logger is
 * chained the same way, and the span gets the worker's init phases and the
 * job's phases; the job phases start at the last init event, the last moment
 * known before the job (the worker resolving and the job being sent fall in
 * the first job phase).
 */
function oneShotHook(optionsIndex: number): TargetHook {
  return {
    aroundCall(call, invoke) {
      const state = stateOf(call);
      const log = new WorkerLog(call.span);
      state.callLogs.set(call.span, log);
      const options = chainLogger(state, call.args[optionsIndex], log);
      if (options === undefined) return invoke(call.args);
      const args = [...call.args];
      while (args.length < optionsIndex) args.push(undefined);
      args[optionsIndex] = options;
      return invoke(args);
    },
    onEnd(call) {
      const state = stateOf(call);
      const log = state.callLogs.get(call.span);
      if (log === undefined) return;
      const endNs = nowNs();
      const init = initPhases(log.events, call.span.startNs, endNs, { workerStart: true });
      const lastInitNs = log.events.reduce((latest, event) => Math.max(latest, event.atNs), call.span.startNs);
      log.events.length = 0;
      if (log.workerId !== undefined) {
        call.span.setAttribute('worker', log.workerId);
        state.workerLogs.delete(log.workerId); // the helper terminated it
      }
      let job: JobProgress | undefined;
      if (!call.failed && isObject(call.result) && typeof call.result.jobId === 'string') {
        call.span.setAttribute('jobId', call.result.jobId);
        job = state.jobs.get(call.result.jobId);
        state.jobs.delete(call.result.jobId);
      }
      addDerivedPhases(call.scope, call.span, tagged([...init, ...recognizePhases(job, lastInitNs, endNs)]));
    },
  };
}

registerTargetHook('tesseract.recognize-one-shot', oneShotHook(2));
registerTargetHook('tesseract.detect-one-shot', oneShotHook(1));

registerTargetHook('tesseract.job', {
  onStart: setWorker,
  onEnd(call) {
    if (call.failed || !isObject(call.result)) return;
    const { jobId, data } = call.result;
    if (typeof jobId !== 'string') return;
    call.span.setAttribute('jobId', jobId);
    if (isObject(data)) {
      if (typeof data.text === 'string') call.span.setAttribute('textChars', data.text.length);
      if (typeof data.confidence === 'number') call.span.setAttribute('confidence', data.confidence);
    }
    const { jobs } = stateOf(call);
    const job = jobs.get(jobId);
    jobs.delete(jobId);
    addDerivedPhases(call.scope, call.span, tagged(recognizePhases(job, call.span.startNs, nowNs())));
  },
});

registerTargetHook('tesseract.reinitialize', {
  onStart(call) {
    setWorker(call);
    const langs = describeLangs(call.args[0]);
    if (langs !== undefined) call.span.setAttribute('langs', langs);
  },
  onEnd(call) {
    const id = workerIdOf(call.thisArg);
    const log = id === undefined ? undefined : stateOf(call).workerLogs.get(id);
    if (log === undefined) return;
    addDerivedPhases(call.scope, call.span, tagged(initPhases(log.events, call.span.startNs, nowNs(), { workerStart: false })));
    log.events.length = 0;
  },
});

registerTargetHook('tesseract.worker-method', { onStart: setWorker });

registerTargetHook('tesseract.worker-terminate', {
  onStart: setWorker,
  onEnd(call) {
    const id = workerIdOf(call.thisArg);
    if (id !== undefined) stateOf(call).workerLogs.delete(id);
  },
});

registerTargetHook('tesseract.scheduler-add-job', {
  onStart(call) {
    const action = call.args[0];
    if (typeof action !== 'string') return;
    call.span.name = `scheduler.addJob ${action}`;
    call.span.setAttribute('action', action);
    const stage = actionStage(action);
    if (stage !== null) call.span.stage = stage;
  },
  aroundCall(call, invoke) {
    const scheduler = call.thisArg;
    const action = call.args[0];
    if (isObject(scheduler) && typeof action === 'string') {
      // addJob throws (asynchronously) without queueing when there is no worker yet.
      let workers: number;
      try {
        workers = typeof scheduler.getNumWorkers === 'function' ? Number(scheduler.getNumWorkers()) : 0;
      } catch {
        workers = 0;
      }
      if (workers > 0) {
        const { schedulerQueues } = stateOf(call);
        let queue = schedulerQueues.get(scheduler);
        if (queue === undefined) schedulerQueues.set(scheduler, (queue = []));
        queue.push({ span: call.span, action });
      }
    }
    return invoke(call.args);
  },
  onEnd(call) {
    if (!call.failed && isObject(call.result) && typeof call.result.jobId === 'string') {
      call.span.setAttribute('jobId', call.result.jobId);
    }
  },
});

registerTargetHook('tesseract.scheduler-add-worker', {
  onStart(call) {
    const id = workerIdOf(call.args[0]);
    if (id !== undefined) call.span.setAttribute('worker', id);
  },
  aroundCall(call, invoke) {
    const scheduler = call.thisArg;
    const worker = call.args[0];
    if (!isObject(scheduler) || !isObject(worker)) return invoke(call.args);
    const args = [...call.args];
    args[0] = dispatchingProxy(stateOf(call), scheduler, worker);
    return invoke(args);
  },
});

registerTargetHook('tesseract.scheduler-terminate', {
  onStart(call) {
    // terminate() empties the scheduler's queue: the jobs still queued never run.
    if (isObject(call.thisArg)) stateOf(call).schedulerQueues.delete(call.thisArg);
  },
});

/**
 * What the scheduler keeps instead of the worker: every property reads through
 * to the worker; calling a method as a job (`w[action](...payload, jobId)`)
 * runs it inside the span of the `addJob` call that queued that job.
 */
function dispatchingProxy(state: TesseractState, scheduler: object, worker: Record<string, unknown>): object {
  const methods = new Map<PropertyKey, { original: Function; dispatch: Function }>();
  return new Proxy(worker, {
    get(target, key) {
      const value = Reflect.get(target, key, target);
      if (typeof value !== 'function' || typeof key !== 'string') return value;
      const cached = methods.get(key);
      if (cached !== undefined && cached.original === value) return cached.dispatch;
      const dispatch = function (this: unknown, ...args: unknown[]): unknown {
        return dispatchJob(state, scheduler, target, key, value, this, args);
      };
      methods.set(key, { original: value, dispatch });
      return dispatch;
    },
  });
}

function dispatchJob(state: TesseractState, scheduler: object, worker: object, action: string, method: Function, thisArg: unknown, args: unknown[]): unknown {
  const queue = state.schedulerQueues.get(scheduler);
  const head = queue?.[0];
  const jobId = args[args.length - 1];
  // The scheduler always passes its own job id (`Job-…`) last; anything else is not a queued job.
  if (queue === undefined || head === undefined || head.action !== action || typeof jobId !== 'string' || !jobId.startsWith('Job-')) {
    return Reflect.apply(method, thisArg, args);
  }
  queue.shift();
  // Time the job sat in the scheduler's queue waiting for a free worker.
  head.span.setMetric('queueWaitNs', nowNs() - head.span.startNs);
  const previous = state.dispatchingWorkerId;
  state.dispatchingWorkerId = workerIdOf(worker);
  try {
    return storage.run(head.span, () => Reflect.apply(method, thisArg, args));
  } finally {
    state.dispatchingWorkerId = previous;
  }
}
