/**
 * stagescope's codes, declared once: the diagnostic codes (problems reported on
 * the `stagescope:diagnostic` channel, never thrown into the app) and the codes
 * of the errors stagescope throws (bad configuration, bad input files). The
 * tables in docs/diagnostics.md are generated from these records
 * (`npm run docs:diagnostics`); test/docs.test.ts fails when the docs, these
 * records and the codes used in `src/` disagree.
 */

/** Where a diagnostic comes from, as the docs group them. */
export type CodeArea =
  | 'instrument'
  | 'module hooks'
  | 'wrapper'
  | 'tracer'
  | 'presets'
  | 'process mode'
  | 'manual spans'
  | 'overhead budget'
  | 'probes'
  | 'onnx'
  | 'tfjs'
  | 'workers and processes'
  | 'serving'
  | 'exporters'
  | 'Prometheus'
  | 'logs';

export interface DiagnosticCodeInfo {
  area: CodeArea;
  /** One line: what happened and what stagescope did about it. */
  meaning: string;
}

/** Every diagnostic code, with its one-line meaning (the docs table is generated from this). */
export const DIAGNOSTIC_CODES = {
  SS_TARGET_MODULE_MISSING: {
    area: 'instrument',
    meaning: "a target's module is not installed (resolved from the script's folder); its targets are skipped",
  },
  SS_TARGET_EXPORT_MISSING: { area: 'instrument', meaning: 'the module has no such export in the installed version; that target is skipped' },
  SS_TARGET_UNPATCHABLE: {
    area: 'instrument',
    meaning: 'the export exists but cannot be wrapped (not a function, a non-configurable property); the message points to span()/traced()',
  },
  SS_TARGET_HOOK_UNKNOWN: { area: 'instrument', meaning: 'a target names a `hook` that is not registered' },
  SS_TARGET_ENTRY_SCRIPT: {
    area: 'instrument',
    meaning: 'a target names the script being run, whose functions cannot be patched from outside: use `span()`/`traced()`',
  },
  SS_PATCH_FAILED: { area: 'module hooks', meaning: 'patching a module as it loaded failed; the module is left as it was' },
  SS_ESM_HOOK_FAILED: { area: 'module hooks', meaning: 'the ESM loader hook could not give a package its facade' },
  SS_PACKAGE_NOT_MATCHED: {
    area: 'module hooks',
    meaning: 'a watched package was loaded only through a file that is not one of its entries; its calls were not traced',
  },
  SS_HOOK_FAILED: { area: 'wrapper', meaning: 'a preset hook threw while labelling a call; the call itself is unaffected' },
  SS_SPAN_FAILED: { area: 'wrapper', meaning: 'a span could not be started or ended; the call ran untraced' },
  SS_LISTENER_FAILED: { area: 'tracer', meaning: 'a span listener (exporter, your code) threw' },
  SS_BAD_TRACE_ID: { area: 'tracer', meaning: '`startSpan` got an invalid `traceId` or `remoteParentId`; a random trace id was used, the parent ignored' },
  SS_PROBE_FAILED: { area: 'probes', meaning: 'a probe could not read its values for a span' },
  SS_SAMPLER_FAILED: { area: 'probes', meaning: 'a background sampler tick failed' },
  SS_DEFERRED_FAILED: { area: 'presets', meaning: "work a hook left for the report (an input file's size) failed; that attribute is absent" },
  SS_FINISH_CALLBACK_FAILED: { area: 'presets', meaning: 'a before-finish callback of a preset threw' },
  SS_MAIN_NOT_CALLED: {
    area: 'process mode',
    meaning: 'the script declares `main()` and nothing was traced; stagescope calls `main` only with `--call-main`',
  },
  SS_RUN_SNAPSHOT: {
    area: 'process mode',
    meaning: 'the run was saved when an uncaught error reached an `uncaughtException` listener that may end the process silently',
  },
  SS_SPAN_BAD_STAGE: { area: 'manual spans', meaning: '`span()`/`traced()` got a stage that is not one; the span has none' },
  SS_ADAPTIVE_LISTENER_FAILED: { area: 'overhead budget', meaning: 'a listener of adaptive decisions threw' },
  SS_ONNX_PROFILE_FAILED: { area: 'onnx', meaning: "onnxruntime's profile could not be read (op drill-down)" },
  SS_ONNX_PROFILE_MISSING: { area: 'onnx', meaning: 'no profile file was found for a profiled session' },
  SS_ONNX_PROFILE_MISMATCH: {
    area: 'onnx',
    meaning: 'onnxruntime profiled a different number of runs than were traced; op spans left out for that session',
  },
  SS_ONNX_PROFILE_CLEANUP: { area: 'onnx', meaning: 'the temporary profile folder could not be removed' },
  SS_ONNX_OPS_TRUNCATED: {
    area: 'onnx',
    meaning: 'kernel spans left out because the span buffer is full (per-op totals kept; raise `--max-spans`)',
  },
  SS_TFJS_PROFILE_ACTIVE: { area: 'tfjs', meaning: 'a `tf.profile` was already running, so no kernel drill-down for that call' },
  SS_REACH_FAILED: { area: 'workers and processes', meaning: 'a worker or child could not trace itself' },
  SS_REACH_WORKER_FAILED: { area: 'workers and processes', meaning: 'a worker thread could not be prepared for tracing; it ran untraced' },
  SS_REACH_CHILD_FAILED: { area: 'workers and processes', meaning: 'a child process could not be prepared for tracing; it ran untraced' },
  SS_REACH_CHILD_MISSING: {
    area: 'workers and processes',
    meaning: 'a traced child was still running (or died) when the run ended; its spans are missing',
  },
  SS_REACH_CHILD_UNREADABLE: { area: 'workers and processes', meaning: "a child's run document could not be read; its spans are missing" },
  SS_SERVE_START_FAILED: { area: 'serving', meaning: 'tracing a request failed at its start; the request was served normally' },
  SS_SERVE_ROUTE_FAILED: { area: 'serving', meaning: "reading a request's route failed; the request was served normally" },
  SS_SERVE_FINISH_FAILED: { area: 'serving', meaning: 'recording a finished request failed; the request was served normally' },
  SS_PROPAGATOR_FAILED: { area: 'serving', meaning: 'the trace-context propagator threw reading or writing headers' },
  SS_REQUEST_LISTENER_FAILED: { area: 'serving', meaning: 'a finished-request listener (an exporter) threw' },
  SS_OUTGOING_FAILED: { area: 'serving', meaning: 'a client span for an outgoing call could not be started or ended; the call ran unchanged' },
  SS_OUTGOING_NOT_PROPAGATED: { area: 'serving', meaning: 'an outgoing request had sent its headers already; no `traceparent` was added' },
  SS_PAGE_NO_TOKEN: {
    area: 'serving',
    meaning: 'the request page runs without a token: only loopback clients and allowed Host names are served',
  },
  SS_PAGE_DISABLED: { area: 'serving', meaning: 'the page was requested but is off (production without a token or guard)' },
  SS_PAGE_FAILED: { area: 'serving', meaning: 'the page failed to answer a request' },
  SS_EXPORT_DROPPED: {
    area: 'exporters',
    meaning: 'an exporter dropped spans (queue full, backend down); counted in `exporter.stats.dropped`',
  },
  SS_EXPORT_CONVERT_FAILED: { area: 'exporters', meaning: 'a span could not be converted for an exporter' },
  SS_ROUTE_SERIES_FOLDED: {
    area: 'Prometheus',
    meaning: 'the (route, method, status) series cap was reached; later combinations are counted under `other`',
  },
  SS_LABEL_VALUES_FOLDED: { area: 'Prometheus', meaning: 'a label reached `maxLabelValues`; further values become `other`' },
  SS_METRICS_COLLECT_FAILED: { area: 'Prometheus', meaning: 'collecting metrics for a scrape failed' },
  SS_LOG_FAILED: { area: 'logs', meaning: 'the span logger could not write a line' },
} as const satisfies Record<`SS_${string}`, DiagnosticCodeInfo>;

/** A diagnostic code: `reportDiagnostic` accepts only these. */
export type DiagnosticCode = keyof typeof DIAGNOSTIC_CODES;

export interface ErrorCodeInfo {
  /** The class thrown with this code (every one extends `StagescopeError`). */
  thrownAs: string;
  /** The CLI's exit code when the error ends a command: 2 for a usage or configuration mistake, 1 for a failed run. */
  exitCode: 1 | 2;
  /** One line: what is wrong. */
  meaning: string;
}

/** Every code a `StagescopeError` can carry, with its one-line meaning (the docs table is generated from this). */
export const ERROR_CODES = {
  SS_ERR_USAGE: {
    thrownAs: 'CliError',
    exitCode: 2,
    meaning: 'the command line cannot be used: an unknown command, a missing argument, a bad flag value',
  },
  SS_ERR_OPTION_INVALID: {
    thrownAs: 'StagescopeError',
    exitCode: 2,
    meaning: 'an option or its environment variable has a value it does not accept; the message names it and what it accepts',
  },
  SS_ERR_TARGET_INVALID: {
    thrownAs: 'TargetError',
    exitCode: 2,
    meaning: 'a target file, target entry or models rule is invalid; the message names the file, line and field',
  },
  SS_ERR_EXPORT_PATH_INVALID: { thrownAs: 'ExportPathError', exitCode: 2, meaning: "a target's `export` path cannot be parsed" },
  SS_ERR_PRESET_UNKNOWN: { thrownAs: 'UnknownPresetError', exitCode: 2, meaning: 'no preset has that name' },
  SS_ERR_PROBE_UNKNOWN: {
    thrownAs: 'UnknownProbeError',
    exitCode: 2,
    meaning: 'a probe name is unknown, or a probes entry is neither a probe name nor a probe or sampler object',
  },
  SS_ERR_SCRIPT_NOT_FOUND: { thrownAs: 'ScriptNotFoundError', exitCode: 2, meaning: 'the script to run does not exist' },
  SS_ERR_DOCUMENT_INVALID: {
    thrownAs: 'StagescopeError',
    exitCode: 2,
    meaning: 'a run or bench document cannot be read, is not JSON, or is not a valid document of its format',
  },
  SS_ERR_BENCH_RUN_FAILED: {
    thrownAs: 'BenchRunError',
    exitCode: 1,
    meaning: 'a benchmarked script failed, was killed, or exited without writing its run document',
  },
  SS_ERR_ONNX_PROFILE_INVALID: {
    thrownAs: 'OnnxProfileError',
    exitCode: 1,
    meaning: "onnxruntime's profile file is not the JSON array of trace events expected (reported as `SS_ONNX_PROFILE_FAILED`)",
  },
} as const satisfies Record<`SS_ERR_${string}`, ErrorCodeInfo>;

/** A code a thrown `StagescopeError` carries. */
export type ErrorCode = keyof typeof ERROR_CODES;
