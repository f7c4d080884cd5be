import type { RunDocument } from '../core/run-document.js';
import { formatDurationNs, formatPercent } from '../render/format.js';
import { stageColor, textColorOn } from '../render/palette.js';
import { buildTree, type TreeNode } from '../render/span-tree.js';
import { escapeHtml } from '../serve/page/html.js';

/** Levels open when the report loads; deeper ones are folded (click to open). */
const OPEN_LEVELS = 2;

/**
 * The run's span tree as nested `<details>` elements (foldable without any
 * script): name, stage chip, duration, share of the run, errors. Built with an
 * explicit stack (runs nest thousands deep); every user string is escaped.
 * Past `maxSpans` spans the rest are counted, not listed.
 */
export function treeHtml(doc: RunDocument, maxSpans = 5000): string {
  const runNs = doc.durationNs > 0 ? doc.durationNs : doc.spans.reduce((max, span) => Math.max(max, span.startNs + span.durationNs), 1);
  const out: string[] = ['<div class="tree">'];
  type Step = { kind: 'open'; node: TreeNode; depth: number } | { kind: 'close' };
  const steps: Step[] = buildTree(doc)
    .reverse()
    .map((node) => ({ kind: 'open', node, depth: 0 }));
  let shown = 0;
  for (let step = steps.pop(); step !== undefined; step = steps.pop()) {
    if (step.kind === 'close') {
      out.push('</details>');
      continue;
    }
    if (shown >= maxSpans) continue;
    shown += 1;
    const { node, depth } = step;
    const { span } = node;
    const stage =
      span.stage === null
        ? ''
        : `<span class="chip" style="background:${stageColor(span.stage)};color:${textColorOn(stageColor(span.stage))}">${escapeHtml(span.stage)}</span>`;
    const error =
      span.status === 'error' && span.error !== null
        ? ` <span class="err">✗ ${escapeHtml(`${span.error.name}: ${span.error.message.split('\n')[0] ?? ''}`)}</span>`
        : '';
    const line = `<span class="pct">${escapeHtml(formatPercent(span.durationNs, runNs))}</span> <span class="name">${escapeHtml(span.name)}</span> ${stage} <span class="dur">${escapeHtml(formatDurationNs(span.durationNs))}</span>${error}`;
    if (node.children.length === 0) {
      out.push(`<div class="leaf">${line}</div>`);
      continue;
    }
    out.push(`<details${depth < OPEN_LEVELS ? ' open' : ''}><summary>${line} <span class="muted">(${node.children.length})</span></summary>`);
    steps.push({ kind: 'close' });
    for (let index = node.children.length - 1; index >= 0; index -= 1) steps.push({ kind: 'open', node: node.children[index]!, depth: depth + 1 });
  }
  if (shown < doc.spans.length) out.push(`<p class="muted">${doc.spans.length - shown} more spans not listed (the first ${maxSpans} are)</p>`);
  out.push('</div>');
  return out.join('\n');
}
