import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { assertRunDocument, selfTime, type RunDocument } from '../core/run-document.js';
import { isStage, type SpanRecord } from '../core/types.js';
import { describeOutputResult, wantsOutputs, writeOutputs } from '../io/write-outputs.js';
import { renderTextTree } from '../render/text-tree.js';
import { CliError } from './cli-error.js';

export const RENDER_USAGE = `Usage: stagescope render run.json [--svg FILE] [--gantt FILE] [--trace FILE] [--tree] [--compact]

Draws a saved run (written with "stagescope run --json run.json" or the
preset's json option) again, without running anything.

Options:
  --svg FILE      call graph (SVG; the node with the most self time is highlighted)
  --gantt FILE    Gantt chart (SVG; one bar per span on a time axis, coloured by stage)
  --trace FILE    Chrome/Perfetto trace (JSON; open in ui.perfetto.dev or speedscope)
  --tree          print the text tree to stdout (the default when no file is asked for)
  --compact       fold 3+ same-named siblings in the tree (rec × 37, total, p50, max)
  -h, --help      show this help
`;

/** Read and check a saved run; every failure names the file. */
export function readRunDocument(file: string): RunDocument {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new CliError(code === 'ENOENT' ? `${file}: no such file (save a run with "stagescope run --json ${file} -- script.mjs")` : `${file}: cannot read: ${(error as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new CliError(`${file}: not JSON (${(error as Error).message}); expected a run document written by "stagescope run --json"`);
  }
  try {
    assertRunDocument(value, file);
  } catch (error) {
    throw new CliError((error as Error).message);
  }
  return withDefaults(value);
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
  const children = new Map<string, SpanRecord[]>();
  for (const span of spans) if (span.parentId !== null) children.set(span.parentId, [...(children.get(span.parentId) ?? []), span]);
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
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      svg: { type: 'string' },
      gantt: { type: 'string' },
      trace: { type: 'string' },
      tree: { type: 'boolean', default: false },
      compact: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(RENDER_USAGE);
    return 0;
  }
  if (positionals.length !== 1) {
    throw new CliError(`${positionals.length === 0 ? 'no run document given' : `one run document expected, got ${positionals.length}: ${positionals.join(' ')}`}\n\n${RENDER_USAGE}`);
  }
  const file = positionals[0]!;
  const doc = readRunDocument(file);
  const paths = { svg: values.svg, gantt: values.gantt, trace: values.trace };
  if (values.tree || values.compact || !wantsOutputs(paths)) {
    process.stdout.write(renderTextTree(doc, values.compact ? { compact: true } : {}));
  }
  let failed = false;
  for (const result of await writeOutputs(doc, paths)) {
    process.stderr.write(`${describeOutputResult(result)}\n`);
    if (result.status !== 'written') failed = true;
  }
  return failed ? 1 : 0;
}
