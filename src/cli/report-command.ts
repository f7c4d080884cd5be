import { parseArgs } from 'node:util';
import type { RunDocument } from '../core/run-document.js';
import { writeOutputFile, type WrittenFile } from './report-write.js';
import { renderCallGraphSvg } from '../render/call-graph/svg.js';
import type { DotOptions } from '../render/call-graph/dot.js';
import { callGraphOptionsFromStrings } from '../render/call-graph/cli-options.js';
import { renderHtmlReport } from '../report/html-report.js';
import { CliError } from './cli-error.js';
import { readRunDocument } from './render-command.js';

export const REPORT_USAGE = `Usage: stagescope report run.json --html report.html [call-graph options]

Writes one self-contained HTML file for a saved run: facts, stage totals, the
foldable stage tree, the call graph and a zoomable timeline with probe lanes.
Nothing in it loads from the network: send it, attach it, open it offline.

Options:
  --html FILE     where to write the report (required)
  --max-nodes N   call graph: merge small call sites past N nodes (default 40)
  --highlight self|total  call graph: highlight the most self time (default) or total time
  --highlight-exclude STAGES  never highlight these stages (comma-separated, e.g. load)
  -h, --help      show this help
`;

/** Draw the report of a run into `file`; never throws for a picture that cannot be drawn (the report says why). */
export async function writeHtmlReportFile(doc: RunDocument, file: string, callGraph: DotOptions = {}): Promise<WrittenFile> {
  let callGraphSvg: string | { missing: string };
  try {
    callGraphSvg = await renderCallGraphSvg(doc, callGraph);
  } catch (error) {
    callGraphSvg = { missing: `call graph not drawn: ${error instanceof Error ? error.message : String(error)}` };
  }
  return writeOutputFile(file, renderHtmlReport(doc, { callGraphSvg }), 'HTML report');
}

/**
 * {@link writeHtmlReportFile}, the line to print only.
 *
 * @deprecated Use `writeHtmlReportFile`, whose `written` says whether the file
 * was written; kept for `run-command.ts` until it uses that (callers must not
 * tell success from the line's text).
 */
export async function writeHtmlReport(doc: RunDocument, file: string, callGraph: DotOptions = {}): Promise<string> {
  return (await writeHtmlReportFile(doc, file, callGraph)).line;
}

/** `stagescope report`: a saved run as one HTML file. Bad input exits 2 with a message naming the file. */
export async function reportCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      html: { type: 'string' },
      'max-nodes': { type: 'string' },
      highlight: { type: 'string' },
      'highlight-exclude': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(REPORT_USAGE);
    return 0;
  }
  if (positionals.length !== 1)
    throw new CliError(`${positionals.length === 0 ? 'no run document given' : `one run document expected, got ${positionals.length}`}\n\n${REPORT_USAGE}`);
  if (values.html === undefined) throw new CliError(`--html FILE is required (where to write the report)\n\n${REPORT_USAGE}`);
  // A bad value throws a StagescopeError naming the flag: main.ts prints it, exit code 2.
  const callGraph = callGraphOptionsFromStrings(
    { maxNodes: values['max-nodes'], highlight: values.highlight, highlightExclude: values['highlight-exclude'] },
    '--',
  );
  const doc = readRunDocument(positionals[0]!);
  const result = await writeHtmlReportFile(doc, values.html, callGraph);
  process.stderr.write(`${result.line}\n`);
  return result.written ? 0 : 1;
}
