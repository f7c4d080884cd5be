import { readFileSync } from 'node:fs';
import { assertRunDocument, selfTime, type RunDocument } from '../core/run-document.js';
import { isStage, type SpanRecord } from '../core/types.js';
import { describeOutputResult, wantsOutputs, writeOutputs } from '../render/write-outputs.js';
import { toPresetOptions } from '../presets/options/preset-fields.js';
import { RUN_OPTIONS } from '../presets/options/run-options.js';
import { switchType } from '../presets/options/value-types.js';
import { resolveMinDurationNs } from '../render/min-duration.js';
import { renderTextTree } from '../render/text-tree.js';
import { CliError } from '../core/cli-error.js';
import { flagUsage, parseFlags } from '../launch/option-args.js';
import { documentError } from '../core/errors.js';

const RENDER_USAGE_HEAD = `Usage: stagescope render run.json [--svg FILE] [--gantt FILE] [--trace FILE] [--tree] [--compact] [call-graph options]

Draws a saved run (written with "stagescope run --json run.json" or the
preset's json option) again, without running anything. The trace keeps every
span; --min-duration folds short ones in the tree and the pictures.

Options:
`;

/** `stagescope render`'s flags: the picture settings of `stagescope run` (option table), and `--tree`. */
const RENDER_FLAGS = {
  svg: RUN_OPTIONS.svg,
  gantt: RUN_OPTIONS.gantt,
  trace: RUN_OPTIONS.trace,
  tree: { type: switchType, flag: { name: '--tree' }, help: 'print the text tree to stdout (the default when no file is asked for)' },
  compact: RUN_OPTIONS.compact,
  minDuration: RUN_OPTIONS.minDuration,
  maxNodes: RUN_OPTIONS.maxNodes,
  highlight: RUN_OPTIONS.highlight,
  highlightExclude: RUN_OPTIONS.highlightExclude,
} as const;

export function renderUsage(): string {
  return RENDER_USAGE_HEAD + flagUsage(RENDER_FLAGS);
}

/** Read and check a saved run; every failure is a StagescopeError (`SS_ERR_DOCUMENT_INVALID`) naming the file. */
export function readRunDocument(file: string): RunDocument {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw documentError(
      code === 'ENOENT'
        ? `${file}: no such file (save a run with "stagescope run --json ${file} -- script.mjs")`
        : `${file}: cannot read: ${(error as Error).message}`,
      { cause: error },
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw documentError(`${file}: not JSON (${(error as Error).message}); expected a run document written by "stagescope run --json"`, { cause: error });
  }
  assertRunDocument(value, file);
  assertSpanTimes(value, file);
  return withDefaults(value);
}

/**
 * Times a picture can be drawn from: finite numbers, durations not negative.
 * A hand-written or edited document with `-5` or `1e999` (Infinity) would
 * otherwise be drawn as `NaN:NaN` or make a bar of infinite width. The
 * message names the file, the span and the field.
 */
export function assertSpanTimes(doc: RunDocument, source: string): void {
  const where = (index: number, span: SpanRecord): string =>
    `${source}: spans[${index}] (id ${JSON.stringify(span.id)}, ${JSON.stringify(span.name.length > 60 ? `${span.name.slice(0, 59)}…` : span.name)})`;
  doc.spans.forEach((span, index) => {
    if (!Number.isFinite(span.startNs))
      throw documentError(`${where(index, span)}: startNs must be a finite number of ns since the run start, got ${String(span.startNs)}`);
    if (!Number.isFinite(span.durationNs) || span.durationNs < 0)
      throw documentError(`${where(index, span)}: durationNs must be a finite number ≥ 0, got ${String(span.durationNs)}`);
    if (span.selfNs !== undefined && span.selfNs !== null && (typeof span.selfNs !== 'number' || !Number.isFinite(span.selfNs) || span.selfNs < 0)) {
      throw documentError(`${where(index, span)}: selfNs must be a finite number ≥ 0 (or left out to be computed), got ${String(span.selfNs)}`);
    }
  });
  for (const key of ['durationNs', 'overheadNs'] as const) {
    const value = (doc as Partial<RunDocument>)[key];
    if (value !== undefined && value !== null && (typeof value !== 'number' || !Number.isFinite(value) || value < 0)) {
      throw documentError(`${source}: ${key} must be a finite number ≥ 0 (or left out), got ${String(value)}`);
    }
  }
}

/**
 * Fill in what a hand-written or older run document may leave out (only
 * `format` and the spans' id, name, startNs and durationNs are required), so
 * that every renderer can rely on the full shape. Self time is recomputed when
 * a span has none.
 */
export function withDefaults(doc: RunDocument): RunDocument {
  const spans: SpanRecord[] = doc.spans.map((span) => ({
    ...span,
    parentId: span.parentId ?? null,
    traceId: span.traceId ?? '',
    stage: isStage(span.stage) ? span.stage : null,
    target: typeof span.target === 'string' ? span.target : null,
    selfNs: typeof span.selfNs === 'number' ? span.selfNs : Number.NaN,
    status: span.status ?? 'ok',
    error: span.error ?? null,
    metrics: span.metrics ?? {},
    attributes: span.attributes ?? {},
  }));
  // Push, never copy: copying the list per child made 100k siblings quadratic.
  const children = new Map<string, SpanRecord[]>();
  for (const span of spans) {
    if (span.parentId === null) continue;
    let list = children.get(span.parentId);
    if (list === undefined) children.set(span.parentId, (list = []));
    list.push(span);
  }
  for (const span of spans) if (Number.isNaN(span.selfNs)) span.selfNs = selfTime(span, children.get(span.id) ?? []);
  const endNs = spans.reduce((max, span) => Math.max(max, span.startNs + span.durationNs), 0);
  return {
    ...doc,
    preset: doc.preset ?? null,
    command: Array.isArray(doc.command) ? doc.command : [],
    startedAt: typeof doc.startedAt === 'string' ? doc.startedAt : new Date(0).toISOString(),
    durationNs: typeof doc.durationNs === 'number' ? doc.durationNs : endNs,
    overheadNs: doc.overheadNs ?? 0,
    wrappedCalls: doc.wrappedCalls ?? 0,
    droppedSpans: doc.droppedSpans ?? 0,
    exitCode: doc.exitCode ?? null,
    error: doc.error ?? null,
    diagnostics: doc.diagnostics ?? [],
    spans,
  };
}

/** `stagescope render`: re-draw a saved run. Bad input exits 2 with a message naming the file. */
export async function renderCommand(argv: string[]): Promise<number> {
  const { help, positionals, values } = parseFlags(RENDER_FLAGS, argv);
  if (help) {
    process.stdout.write(renderUsage());
    return 0;
  }
  if (positionals.length !== 1) {
    throw new CliError(
      `${positionals.length === 0 ? 'no run document given' : `one run document expected, got ${positionals.length}: ${positionals.join(' ')}`}\n\n${renderUsage()}`,
    );
  }
  const callGraph = toPresetOptions(values).callGraph ?? {};
  const { minDuration } = values;
  const file = positionals[0]!;
  const doc = readRunDocument(file);
  const minDurationNs = minDuration === undefined ? 0 : resolveMinDurationNs(minDuration, doc);
  const paths = { svg: values.svg, gantt: values.gantt, trace: values.trace };
  if (values.tree === true || values.compact === true || !wantsOutputs(paths)) {
    process.stdout.write(renderTextTree(doc, { ...(values.compact === true ? { compact: true } : {}), minDurationNs }));
  }
  let failed = false;
  for (const result of await writeOutputs(doc, paths, { callGraph: { ...callGraph, minDurationNs }, gantt: { minDurationNs } })) {
    process.stderr.write(`${describeOutputResult(result)}\n`);
    if (result.status !== 'written') failed = true;
  }
  return failed ? 1 : 0;
}
