import type { AdaptiveEvent, BudgetSummary, RunDocument } from '../core/run-document.js';
import type { SpanRecord } from '../core/types.js';
import { asyncContextText, formatDurationNs, formatPercent } from './format.js';
import { localClock } from './local-clock.js';
import { foldSiblings, summarizeGroup, type FoldedGroup, type SiblingItem } from './fold-siblings.js';
import { HIDDEN_NS_KEY, HIDDEN_SPANS_KEY, hideShortSpans } from './min-duration.js';
import { buildTree, type TreeNode } from './span-tree.js';
import { escapeTerminal } from './terminal-escape.js';

export interface TextTreeOptions {
  /** Deepest level shown (root = 0). Default: all. */
  maxDepth?: number;
  /** Extra text after a span's duration (probe values). Must be single-line. */
  annotate?: (span: SpanRecord) => string;
  /** Clock formatter for the interval column (tests pin it). Default: local HH:MM:SS.mmm. */
  formatClock?: (wallMs: number) => string;
  /**
   * Fold siblings that share a name and occur 3+ times into one line
   * ("InferenceSession.run rec.onnx × 37, total 812.0 ms, p50 21.0 ms, max 40.1 ms").
   * The folded spans' children are omitted (the line says how many). The line's
   * interval runs from the first start to the last end; its share is the summed
   * duration (over 100 % when the calls overlap). Default false.
   */
  compact?: boolean;
  /**
   * Hide spans shorter than this (with their subtrees); each parent's line says
   * how many were folded into it and their summed duration. Default 0 (all shown).
   */
  minDurationNs?: number;
}

/**
 * HiQ-style text tree: wall-clock interval, share of the root, indented names with
 * stage and duration, and the instrumentation overhead on the root line.
 *
 *   [12:00:01.120 - 12:00:01.512]  [100.00%] ● run (392.1 ms)  [OH 41.0 µs, 12 wrapped calls]
 *   [12:00:01.121 - 12:00:01.290]  [ 43.11%]   ├─ InferenceSession.create det.onnx [load] (169.0 ms)
 *
 * Every prefix column has a fixed width, so 100+ lines stay aligned.
 */
export function renderTextTree(fullDoc: RunDocument, options: TextTreeOptions = {}): string {
  const { doc, hidden } = hideShortSpans(fullDoc, options.minDurationNs ?? 0);
  const roots = buildTree(doc);
  const startedWallMs = Date.parse(doc.startedAt);
  const clock = options.formatClock ?? localClock();
  const rootDurationNs = doc.durationNs > 0 ? doc.durationNs : doc.spans.reduce((max, s) => Math.max(max, s.startNs + s.durationNs), 1);
  const lines: string[] = [];

  const line = (span: SpanRecord, glyphs: string, isRunRoot: boolean): void => {
    const startMs = startedWallMs + span.startNs / 1e6;
    const endMs = startMs + span.durationNs / 1e6;
    const interval = `[${clock(startMs)} - ${clock(endMs)}]`;
    const pct = `[${formatPercent(span.durationNs, rootDurationNs)}]`;
    let text = `${interval}  ${pct} ${glyphs}${escapeTerminal(span.name)}`;
    if (span.stage !== null) text += ` [${span.stage}]`;
    text += ` (${formatDurationNs(span.durationNs)}`;
    if (span.status === 'unfinished') text += ', unfinished';
    text += ')';
    if (span.status === 'error' && span.error !== null) text += `  ✗ ${escapeTerminal(span.error.name)}: ${escapeTerminal(firstLine(span.error.message))}`;
    const foldedSpans = span.attributes[HIDDEN_SPANS_KEY];
    if (typeof foldedSpans === 'number')
      text += `  (+${foldedSpans} shorter span${foldedSpans === 1 ? '' : 's'} folded, ${formatDurationNs(Number(span.attributes[HIDDEN_NS_KEY] ?? 0))})`;
    const extra = options.annotate?.(span);
    if (extra !== undefined && extra !== '') text += `  ${escapeTerminal(extra)}`;
    if (isRunRoot) {
      text += `  [OH ${formatDurationNs(doc.overheadNs)}, ${doc.wrappedCalls} wrapped call${doc.wrappedCalls === 1 ? '' : 's'}`;
      const passThroughCalls = doc.overhead?.passThroughCalls ?? 0;
      if (passThroughCalls > 0) text += ` + ${passThroughCalls} unrecorded`;
      if (doc.overhead?.startupNs !== undefined) {
        text += `, startup ${formatDurationNs(doc.overhead.startupNs)}`;
        // Compiled from source: the first run with this Node; the next ones start from V8's code cache.
        const codeCache = doc.overhead.startupCodeCache;
        if (codeCache === 'miss' || codeCache === 'rejected') text += ' uncached';
      }
      // AsyncLocalStorage's cost to the whole process (an estimate, not in OH), where it is paid per promise.
      const asyncContext = asyncContextText(doc);
      if (asyncContext !== undefined) text += `, ${asyncContext}`;
      if (doc.budget !== undefined) text += `, ${budgetLine(doc.budget)}`;
      if (doc.samplerOverheadNs !== undefined) text += `, background probes ${formatDurationNs(doc.samplerOverheadNs)}`;
      if (doc.droppedSpans > 0) text += `, ${doc.droppedSpans} spans dropped (buffer full)`;
      text += ']';
    }
    lines.push(text);
  };

  // compact: one line per folded group, at its first member's place.
  const groupLine = (group: FoldedGroup, glyphs: string): void => {
    const summary = summarizeGroup(group);
    const interval = `[${clock(startedWallMs + summary.firstStartNs / 1e6)} - ${clock(startedWallMs + summary.lastEndNs / 1e6)}]`;
    let text = `${interval}  [${formatPercent(summary.totalNs, rootDurationNs)}] ${glyphs}${escapeTerminal(group.name)}`;
    if (summary.stage !== null) text += ` [${summary.stage}]`;
    text += ` × ${summary.count}, total ${formatDurationNs(summary.totalNs)}, p50 ${formatDurationNs(summary.p50Ns)}, max ${formatDurationNs(summary.maxNs)}`;
    if (summary.failed > 0) text += `, ${summary.failed} failed`;
    if (summary.descendants > 0) text += `  (${summary.descendants} child span${summary.descendants === 1 ? '' : 's'} folded)`;
    const shorter = group.members.reduce((sum, member) => sum + Number(member.span.attributes[HIDDEN_SPANS_KEY] ?? 0), 0);
    if (shorter > 0) text += `  (+${shorter} shorter span${shorter === 1 ? '' : 's'} folded)`;
    text += budgetNote(doc, group);
    lines.push(text);
  };

  // Depth-first with an explicit stack: runs nest thousands of levels deep
  // (async recursion through a traced function), deeper than the JS call stack.
  // The indentation is clipped too (see clipIndent): 3 characters per level on
  // every line would make 20,000 levels 1.2 billion characters, past V8's
  // longest string, and the tree (and the run's end) would fail.
  type Step = { kind: 'span'; node: TreeNode; prefix: string; isLast: boolean; depth: number } | { kind: 'group'; group: FoldedGroup; glyphs: string };
  const steps: Step[] = [];
  const pushChildren = (children: TreeNode[], prefix: string, depth: number): void => {
    const items: SiblingItem[] = options.compact === true ? foldSiblings(children) : children.map((node) => ({ kind: 'span', node }));
    for (let index = items.length - 1; index >= 0; index -= 1) {
      const item = items[index]!;
      const isLast = index === items.length - 1;
      if (item.kind === 'span') steps.push({ kind: 'span', node: item.node, prefix, isLast, depth });
      else steps.push({ kind: 'group', group: item.group, glyphs: `${prefix}${isLast ? '└─ ' : '├─ '}` });
    }
  };
  const drain = (): void => {
    for (let step = steps.pop(); step !== undefined; step = steps.pop()) {
      if (step.kind === 'group') {
        groupLine(step.group, step.glyphs);
        continue;
      }
      const { node, prefix, isLast, depth } = step;
      line(node.span, `${prefix}${isLast ? '└─ ' : '├─ '}`, false);
      if (options.maxDepth !== undefined && depth >= options.maxDepth) {
        if (node.children.length > 0) lines.push(`${' '.repeat(39)}${prefix}${isLast ? '   ' : '│  '}… ${node.children.length} more below`);
        continue;
      }
      pushChildren(node.children, clipIndent(prefix + (isLast ? '   ' : '│  ')), depth + 1);
    }
  };

  roots.forEach((root, rootIndex) => {
    line(root.span, '● ', rootIndex === 0);
    if (options.maxDepth !== undefined && options.maxDepth <= 0) return;
    pushChildren(root.children, '  ', 1);
    drain();
  });
  // What the overhead budget did by itself: the tree is incomplete for these targets, so say so.
  for (const event of doc.adaptive ?? []) {
    const action = event.action === 'sample' ? `sampled 1 in ${event.sampleEvery ?? '?'}` : event.action === 'disable' ? 'disabled' : 'restored';
    const skipped = doc.budget?.skippedByTarget?.[event.target];
    const kept = doc.budget?.keptLongByTarget?.[event.target] ?? 0;
    const unrecorded =
      skipped === undefined || event.action === 'restore'
        ? ''
        : `, ${skipped} call${skipped === 1 ? '' : 's'} not recorded${kept > 0 ? `, ${kept} of ≥ 100 µs recorded` : ''}`;
    lines.push(
      `${' '.repeat(39)}⚙ adaptive: ${escapeTerminal(event.target)} ${action} at +${formatDurationNs(event.atNs)}${unrecorded} (${firstLine(event.reason)})`,
    );
  }
  if (hidden > 0)
    lines.push(
      `${' '.repeat(39)}${hidden} span${hidden === 1 ? '' : 's'} shorter than ${formatDurationNs(options.minDurationNs ?? 0)} folded into their parents`,
    );
  return lines.join('\n') + '\n';
}

/** Deepest level whose indentation is drawn in full; deeper lines show the innermost levels only. */
export const MAX_INDENT_LEVELS = 48;
const ROOT_INDENT = '  ';
const CLIPPED_INDENT = '⋯ ';

/**
 * Keep an indentation prefix to {@link MAX_INDENT_LEVELS} columns of 3
 * characters: past that, the outermost column is dropped and the line starts
 * with `⋯` (outer levels not drawn), so a line stays a few hundred characters
 * however deep the run nests.
 */
function clipIndent(prefix: string): string {
  if (prefix.length <= ROOT_INDENT.length + 3 * MAX_INDENT_LEVELS) return prefix;
  return CLIPPED_INDENT + prefix.slice(ROOT_INDENT.length + 3);
}

/**
 * On a folded line, what the budget did to the group's target: its count
 * stands for the calls recorded, and the line says how many more went by
 * unrecorded (in the whole run: the target's calls under other parents too).
 * A group folds same-named siblings, which may be calls of several targets:
 * the note then sums the cut ones.
 */
function budgetNote(doc: RunDocument, group: FoldedGroup): string {
  const targets = new Set<string>();
  for (const member of group.members) if (member.span.target !== null) targets.add(member.span.target);
  const actions: string[] = [];
  let skipped = 0;
  for (const target of targets) {
    const count = doc.budget?.skippedByTarget?.[target];
    if (count === undefined) continue;
    let last: AdaptiveEvent | undefined;
    for (const event of doc.adaptive ?? []) if (event.target === target) last = event;
    if (last === undefined || count === 0) continue;
    actions.push(last.action === 'sample' ? `sampled 1 in ${last.sampleEvery ?? '?'}` : last.action === 'disable' ? 'disabled' : 'restored');
    skipped += count;
  }
  if (actions.length === 0) return '';
  const whose = targets.size === 1 ? 'this target' : actions.length === 1 ? 'one of these targets' : 'these targets';
  return `  (⚙ ${actions.join(', ')}: ${skipped} more call${skipped === 1 ? '' : 's'} of ${whose} not recorded in the run)`;
}

/** The overhead budget's decisions in one phrase for the root line (the details follow the tree). */
function budgetLine(budget: BudgetSummary): string {
  const parts: string[] = [];
  if (budget.sampled > 0) parts.push(`${budget.sampled} target${budget.sampled === 1 ? '' : 's'} sampled`);
  if (budget.disabled > 0) parts.push(`${budget.disabled} disabled`);
  const restored = budget.restored ?? 0;
  if (restored > 0) parts.push(`${restored}${parts.length === 0 ? ` target${restored === 1 ? '' : 's'}` : ''} restored`);
  const kept = budget.keptLongCalls ?? 0;
  const keptText = kept > 0 ? `; ${kept} call${kept === 1 ? '' : 's'} of ≥ 100 µs recorded` : '';
  return `⚙ ${parts.join(', ')} (${budget.skippedCalls} call${budget.skippedCalls === 1 ? '' : 's'} not recorded${keptText})`;
}

function firstLine(text: string): string {
  const index = text.indexOf('\n');
  return index < 0 ? text : `${text.slice(0, index)} …`;
}
