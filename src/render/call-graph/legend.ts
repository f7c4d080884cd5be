import type { RunDocument } from '../../core/run-document.js';
import { asyncContextText, formatDurationNs } from '../format.js';
import { STAGE_COLORS, STAGE_ORDER } from '../palette.js';
import { stageTotals } from '../stage-totals.js';
import { swatchLabel, words, type FlowGroup, type FlowParagraph } from '../text/flow.js';
import type { CallGraph } from './aggregate.js';

/** The colour of the highlighted (slowest) node's frame and banner. */
export const HIGHLIGHT_BORDER = '#6a00a8';

/**
 * Heat scale: fill = the node's self time as a share of the run. 40 % of the
 * run and more is the hottest colour.
 */
export const HEAT_FULL_SHARE = 0.4;

/** One legend line as plain text (the DOT export's legend) plus its flow form (the SVG's header). */
export interface LegendLine {
  plain: string;
  fontSize: number;
  bold: boolean;
  color?: string;
  flow: FlowParagraph;
}

/** The rule that picked the highlighted node, in words (stated on the picture). */
export function highlightRule(graph: CallGraph): string {
  const what =
    graph.options.highlight === 'self'
      ? 'most SELF time = time spent in the node itself, not in its children'
      : 'most TOTAL time = the node with its children (max latency)';
  const excluded =
    graph.options.highlightExclude.length > 0
      ? `; ${graph.options.highlightExclude.join(', ')} stage${graph.options.highlightExclude.length === 1 ? '' : 's'} left out`
      : '';
  return `${what}${excluded}`;
}

/**
 * The call graph's legend, line by line: title, the slowest node and the rule
 * that picked it, self time by stage, the run's untraced rest, the heat and
 * stage keys, how to read nodes and edges, what was merged, the overhead.
 */
export function legendLines(doc: RunDocument, graph: CallGraph, heatForShare: (share: number) => string): LegendLine[] {
  const total = graph.rootTotalNs;
  const hottest = graph.nodes.find((node) => node.id === graph.hottestId);
  const lines: LegendLine[] = [];
  const plainLine = (plain: string, fontSize: number, options: { bold?: boolean; color?: string; spaceBefore?: number } = {}): void => {
    const style = { fontSize, ...(options.bold === true ? { bold: true } : {}), ...(options.color === undefined ? {} : { fill: options.color }) };
    lines.push({
      plain,
      fontSize,
      bold: options.bold === true,
      ...(options.color === undefined ? {} : { color: options.color }),
      flow: { groups: words(plain, style), ...(options.spaceBefore === undefined ? {} : { spaceBefore: options.spaceBefore }) },
    });
  };
  const command = doc.command.length > 0 ? ` · ${doc.command.join(' ')}` : '';
  const subtitle = `preset ${doc.preset ?? 'none'}${command} · run ${formatDurationNs(total)} · ${doc.spans.length} spans`;
  lines.push({
    plain: `Call graph · ${subtitle}`,
    fontSize: 11,
    bold: false,
    flow: { groups: [...words('Call graph ', { fontSize: 15, bold: true }), ...words(`· ${subtitle}`, { fontSize: 11 })] },
  });
  if (hottest !== undefined) {
    // Cut by depth, the slowest call site is inside a "… N deeper call sites" node: name it, not the group.
    const named = graph.hottestInside ?? hottest;
    const where = graph.hottestInside === null ? '' : ` (drawn inside "${hottest.name}")`;
    const metric =
      graph.options.highlight === 'self'
        ? `self ${formatDurationNs(named.selfNs)} (${pct(named.selfNs, total)} of run)`
        : `total ${formatDurationNs(named.totalNs)} (${pct(named.totalNs, total)} of run)`;
    plainLine(`★ Slowest node (${highlightRule(graph)}): ${named.name} — ${metric}, ${named.calls} call${named.calls === 1 ? '' : 's'}${where}`, 11, {
      bold: true,
      color: HIGHLIGHT_BORDER,
    });
  } else if (graph.options.highlightExclude.length > 0 && graph.nodes.length > 0) {
    plainLine(`no node highlighted: every call site is in an excluded stage (${graph.options.highlightExclude.join(', ')})`, 11, { color: HIGHLIGHT_BORDER });
  }
  const totals = stageTotals(doc);
  if (totals.length > 0) {
    // Shares of all self time (work), not of the run: concurrent spans would push a share of the run past 100 %.
    const workNs = Math.max(
      1,
      doc.spans.reduce((sum, span) => sum + span.selfNs, 0),
    );
    const items = totals.map((entry) => `${entry.stage} ${formatDurationNs(entry.selfNs)} (${pct(entry.selfNs, workNs)})`);
    const lead = 'self time by stage (share of all self time): ';
    const groups: FlowGroup[] = [...words(lead, { fontSize: 11 })];
    items.forEach((item, index) => {
      const text = index < items.length - 1 ? `${item} · ` : item;
      // One group per stage entry: "recognition 134.0 ms (40%)" never breaks inside.
      groups.push({ parts: [{ kind: 'text', text, fontSize: 11, ...(index === 0 ? { bold: true } : {}) }] });
    });
    lines.push({ plain: `${lead}${items.join(' · ')}`, fontSize: 11, bold: false, flow: { groups } });
  }
  const roots = graph.nodes.filter((node) => node.parentId === null);
  if (hottest !== undefined && hottest.parentId !== null && roots.length > 0) {
    const rootSelfNs = roots.reduce((sum, node) => sum + node.selfNs, 0);
    plainLine(
      `not highlighted: the run's own time outside any traced call (self of ${truncate(roots.map((node) => node.name).join(', '), 40)}) ${formatDurationNs(rootSelfNs)} (${pct(rootSelfNs, total)}): script code, or libraries no target covers`,
      10,
    );
  }
  const heatShares = [0, 0.01, 0.05, 0.1, 0.2, HEAT_FULL_SHARE];
  const heatLabel = (share: number): string => `${share === HEAT_FULL_SHARE ? '≥' : ''}${Math.round(share * 100)}%`;
  lines.push({
    plain: `fill = self time as share of the run: ${heatShares.map(heatLabel).join(', ')} (white → dark red)`,
    fontSize: 11,
    bold: false,
    flow: {
      groups: [
        ...words('fill = self time as share of the run: ', { fontSize: 11 }),
        ...heatShares.map((share) => swatchLabel(heatForShare(share), heatLabel(share), { fontSize: 11 }, { stroke: '#777777' })),
      ],
    },
  });
  const usedStages = STAGE_ORDER.filter((stage) => graph.nodes.some((node) => (node.stage ?? 'none') === stage));
  if (usedStages.length > 0) {
    const label = (stage: string): string => (stage === 'none' ? 'no stage' : stage);
    lines.push({
      plain: `top strip = stage: ${usedStages.map(label).join(', ')}`,
      fontSize: 11,
      bold: false,
      flow: {
        groups: [
          ...words('top strip = stage: ', { fontSize: 11 }),
          ...usedStages.map((stage) => swatchLabel(STAGE_COLORS[stage], label(stage), { fontSize: 11 }, { stroke: '#777777' })),
        ],
      },
    });
  }
  plainLine(
    'node = call site (same name path), times summed over its calls (concurrent calls can add up to more than the run) · edge = calls · thick edge = more time',
    10,
  );
  if (graph.collapse !== null) {
    const { nodes, groups, calls, selfNs, minShare, maxDepth } = graph.collapse;
    const what =
      maxDepth === null
        ? `${nodes} small call sites (${calls} calls, each under ${pct(minShare, 1)} of the run`
        : `${nodes} call sites (${calls} calls: small ones and all below depth ${maxDepth}`;
    plainLine(
      `merged ${what}, self ${formatDurationNs(selfNs)} together) into ${groups} dashed node${groups === 1 ? '' : 's'} to keep ≤ ${graph.options.maxNodes} nodes (raise with --max-nodes)`,
      10,
    );
  }
  if (graph.hiddenSpans > 0)
    plainLine(
      `${graph.hiddenSpans} span${graph.hiddenSpans === 1 ? '' : 's'} shorter than ${formatDurationNs(graph.options.minDurationNs)} left out (with their children)`,
      10,
    );
  const asyncContext = asyncContextText(doc);
  plainLine(
    `instrumentation overhead ${formatDurationNs(doc.overheadNs)} · ${doc.wrappedCalls} wrapped calls${asyncContext === undefined ? '' : ` · ${asyncContext}`}${doc.droppedSpans > 0 ? ` · ${doc.droppedSpans} spans dropped (buffer full)` : ''} · hover a node for its path, targets and metrics`,
    9,
    { color: '#555555' },
  );
  return lines;
}

export function pct(part: number, whole: number): string {
  const share = whole > 0 ? (part / whole) * 100 : 0;
  return `${share < 10 ? share.toFixed(1) : share.toFixed(0)}%`;
}

export function truncate(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}
