import type { RunDocument } from '../core/run-document.js';
import { formatDurationNs } from '../render/format.js';
import { renderGantt } from '../render/gantt.js';
import { STAGE_COLORS, textColorOn } from '../render/palette.js';
import { stageTotals } from '../render/stage-totals.js';
import { FONT_STACK } from '../render/text/measure.js';
import { escapeHtml } from '../serve/page/html.js';
import { ZOOM_SCRIPT } from './zoom-script.js';
import { treeHtml } from './tree-html.js';

/** What the report shows besides the run itself. */
export interface HtmlReportParts {
  /** The call-graph SVG (already drawn: it may need Graphviz, which is async), or why there is none. */
  callGraphSvg: string | { missing: string };
}

/**
 * One self-contained HTML file for a run: facts, stage totals, the foldable
 * stage tree, the call graph and a zoomable Gantt chart with the probe lanes.
 * No external resource of any kind (no CDN, fonts, images or requests): the
 * pictures are inline SVG and the only script (zoom) is inline. Every user
 * string is escaped. Pure.
 *
 * @example
 * writeFileSync('report.html', renderHtmlReport(doc, { callGraphSvg: await renderCallGraphSvg(doc) }));
 */
export function renderHtmlReport(doc: RunDocument, parts: HtmlReportParts): string {
  const command = doc.command.join(' ');
  const title = `stagescope report · ${doc.preset ?? 'no preset'}${command === '' ? '' : ` · ${command}`}`;
  const totals = stageTotals(doc, true);
  const workNs = Math.max(
    1,
    totals.reduce((sum, entry) => sum + entry.selfNs, 0),
  );
  const totalsRows = totals
    .map(
      (entry) =>
        `<tr><td><span class="chip" style="background:${STAGE_COLORS[entry.stage]};color:${textColorOn(STAGE_COLORS[entry.stage])}">${escapeHtml(entry.stage === 'none' ? 'no stage' : entry.stage)}</span></td><td class="num">${escapeHtml(formatDurationNs(entry.selfNs))}</td><td class="num">${((entry.selfNs / workNs) * 100).toFixed(1)}%</td><td class="num">${entry.spans}</td></tr>`,
    )
    .join('\n');
  const facts: [string, string][] = [
    ['preset', doc.preset ?? 'none'],
    ['command', command === '' ? '—' : command],
    ['started', doc.startedAt],
    ['duration', formatDurationNs(doc.durationNs)],
    ['spans', `${doc.spans.length}${doc.droppedSpans > 0 ? ` (${doc.droppedSpans} dropped: buffer full)` : ''}`],
    ['instrumentation overhead', `${formatDurationNs(doc.overheadNs)}, ${doc.wrappedCalls} wrapped calls`],
    ['exit code', doc.exitCode === null ? '—' : String(doc.exitCode)],
  ];
  const asyncContext = doc.overhead?.asyncContext;
  if (asyncContext?.estimatedNs !== undefined) {
    // Beside OH, not in it: the process's cost of carrying the async context (docs/overhead.md).
    facts.splice(facts.length - 1, 0, [
      'async context (estimate)',
      `~${formatDurationNs(asyncContext.estimatedNs)}: ${asyncContext.asyncResources ?? 0} async resources × ${asyncContext.perResourceNs ?? 0} ns`,
    ]);
  }
  if (doc.error !== null && doc.error !== undefined) facts.push(['error', `${doc.error.name}: ${doc.error.message}`]);
  const callGraph = typeof parts.callGraphSvg === 'string' ? inlineSvg(parts.callGraphSvg) : `<p class="muted">${escapeHtml(parts.callGraphSvg.missing)}</p>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${CONTENT_SECURITY_POLICY}">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style></head>
<body>
<header><h1>${escapeHtml(title)}</h1></header>
<main>
<section id="facts"><dl class="facts">${facts.map(([key, value]) => `<dt>${escapeHtml(key)}</dt><dd>${escapeHtml(value)}</dd>`).join('')}</dl></section>
<section id="stages"><h2>Self time by stage</h2>
<table><thead><tr><th>stage</th><th class="num">self time</th><th class="num">share of all self time</th><th class="num">spans</th></tr></thead><tbody>
${totalsRows}
</tbody></table></section>
<section id="tree"><h2>Stage tree</h2><p class="muted">Click a line to fold or unfold it. Share = the span's duration as a share of the run.</p>
${treeHtml(doc)}
</section>
<section id="call-graph"><h2>Call graph</h2>
${typeof parts.callGraphSvg === 'string' ? ZOOM_BUTTONS : ''}<div class="picture" id="call-graph-frame" data-zoom-frame>${callGraph}</div></section>
<section id="gantt"><h2>Timeline</h2>
${ZOOM_BUTTONS}<div class="picture" id="gantt-frame" data-zoom-frame>${inlineSvg(renderGantt(doc))}</div></section>
</main>
<script>${ZOOM_SCRIPT}</script>
</body></html>
`;
}

/** Zoom controls of the picture that follows them in its section (see zoom-script.ts). */
const ZOOM_BUTTONS = `<p class="zoom"><button type="button" data-zoom="in">zoom in</button> <button type="button" data-zoom="out">zoom out</button> <button type="button" data-zoom="reset">fit</button> <span class="muted">or Ctrl + wheel over the picture</span></p>
`;

/**
 * The browser enforces "nothing from the network": no fetch, image, font,
 * frame or form target of any kind, only the report's own inline style and
 * script. A user string that got past escaping still could not load anything.
 */
const CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

/** An SVG document as an inline element (no XML prolog or doctype). */
function inlineSvg(svg: string): string {
  return svg
    .replace(/^<\?xml[^>]*>\s*/, '')
    .replace(/<!DOCTYPE[^>]*>\s*/i, '')
    .replace(/<!--[\s\S]*?-->/g, '');
}

const STYLE = `
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 ${FONT_STACK}; color: #1d2329; background: #fff; }
header { padding: 12px 24px; background: #14202b; color: #fff; }
header h1 { font-size: 17px; margin: 0; overflow-wrap: anywhere; }
main { padding: 8px 24px 48px; }
h2 { font-size: 16px; margin: 28px 0 8px; }
table { border-collapse: collapse; margin: 4px 0 8px; }
th, td { text-align: left; padding: 4px 10px; border-bottom: 1px solid #d8dee4; }
th { background: #f6f8fa; font-size: 13px; }
.num { text-align: right; font-variant-numeric: tabular-nums; }
.muted { color: #5b6670; }
.err { color: #b42318; font-weight: 600; }
.chip { display: inline-block; padding: 0 6px; border-radius: 8px; font-size: 12px; color: #000; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 8px 0; }
dl.facts dt { color: #5b6670; }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
.tree { font-size: 13px; }
.tree details { margin-left: 18px; }
.tree > details, .tree > .leaf { margin-left: 0; }
.tree .leaf { margin-left: 32px; }
.tree summary { cursor: pointer; }
.tree .pct { font-family: 'DejaVu Sans Mono', monospace; color: #5b6670; font-size: 12px; }
.tree .dur { color: #5b6670; }
.tree .name { overflow-wrap: anywhere; }
.picture { border: 1px solid #d8dee4; overflow: auto; max-height: 90vh; }
.picture svg { display: block; }
`;
