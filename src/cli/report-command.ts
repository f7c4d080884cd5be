import type { RunDocument } from '../core/run-document.js';
import { writeOutputFile, type WrittenFile } from './report-write.js';
import { renderCallGraphSvg } from '../render/call-graph/svg.js';
import type { DotOptions } from '../render/call-graph/dot.js';
import { toPresetOptions } from '../presets/options/preset-fields.js';
import { RUN_OPTIONS } from '../presets/options/run-options.js';
import { renderHtmlReport } from '../report/html-report.js';
import { CliError } from '../core/cli-error.js';
import { flagUsage, parseFlags } from '../launch/option-args.js';
import { readRunDocument } from './render-command.js';

const REPORT_USAGE_HEAD = `Usage: stagescope report run.json --html report.html [call-graph options]

Writes one self-contained HTML file for a saved run: facts, stage totals, the
foldable stage tree, the call graph and a zoomable timeline with probe lanes.
Nothing in it loads from the network: send it, attach it, open it offline.
--html is required.

Options:
`;

/** `stagescope report`'s flags: the report and call-graph settings of `stagescope run` (option table). */
const REPORT_FLAGS = {
  html: RUN_OPTIONS.html,
  maxNodes: RUN_OPTIONS.maxNodes,
  highlight: RUN_OPTIONS.highlight,
  highlightExclude: RUN_OPTIONS.highlightExclude,
} as const;

export function reportUsage(): string {
  return REPORT_USAGE_HEAD + flagUsage(REPORT_FLAGS);
}

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

/** `stagescope report`: a saved run as one HTML file. Bad input exits 2 with a message naming the file. */
export async function reportCommand(argv: string[]): Promise<number> {
  const { help, positionals, values } = parseFlags(REPORT_FLAGS, argv);
  if (help) {
    process.stdout.write(reportUsage());
    return 0;
  }
  if (positionals.length !== 1)
    throw new CliError(`${positionals.length === 0 ? 'no run document given' : `one run document expected, got ${positionals.length}`}\n\n${reportUsage()}`);
  if (values.html === undefined) throw new CliError(`--html FILE is required (where to write the report)\n\n${reportUsage()}`);
  const callGraph = toPresetOptions(values).callGraph ?? {};
  const doc = readRunDocument(positionals[0]!);
  const result = await writeHtmlReportFile(doc, values.html, callGraph);
  process.stderr.write(`${result.line}\n`);
  return result.written ? 0 : 1;
}
