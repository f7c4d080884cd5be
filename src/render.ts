/**
 * `stagescope/render`: pure renderers of a run document, `(run) => string`
 * (the call-graph SVG is async only to load Graphviz). Read a run with
 * `assertRunDocument` from `stagescope`, write the strings wherever you like.
 *
 * The entry lists names only; the renderers live in `render/` and `report/`.
 *
 * @example
 * import { readFileSync, writeFileSync } from 'node:fs';
 * import { assertRunDocument } from 'stagescope';
 * import { renderCallGraphSvg, renderGantt, renderTextTree } from 'stagescope/render';
 * const doc = JSON.parse(readFileSync('run.json', 'utf8'));
 * assertRunDocument(doc, 'run.json');
 * console.log(renderTextTree(doc));
 * writeFileSync('graph.svg', await renderCallGraphSvg(doc));
 * writeFileSync('gantt.svg', renderGantt(doc));
 */
export { renderTextTree, type TextTreeOptions } from './render/text-tree.js';
export { renderDot, type DotOptions } from './render/call-graph/dot.js';
export { loadGraphviz, renderCallGraphSvg, renderCallGraphSvgSync } from './render/call-graph/svg.js';
export { renderGantt, type GanttOptions } from './render/gantt.js';
export { renderChromeTrace, renderChromeTraceJson, type ChromeTrace, type ChromeTraceEvent } from './render/chrome-trace.js';
export { renderHtmlReport, type HtmlReportParts } from './report/html-report.js';
export { formatBytes, formatDurationNs } from './render/format.js';
