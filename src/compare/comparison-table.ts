import { formatDurationNs } from '../render/format.js';
import { formatChange, formatShift, type Comparison, type ComparisonRow, type Verdict } from './compare-runs.js';
import { escapeControlChars } from './terminal-text.js';

export interface ComparisonTableOptions {
  /** Longest name shown before it is cut with `…`. Default 64. */
  nameWidth?: number;
  /** Show call-path rows (not only total and stages). Default true. */
  paths?: boolean;
}

/** The mark in front of each row: ▲ slower, ▼ faster, ≈ within noise, ? inconclusive, + only in B, − only in A. */
export const VERDICT_MARKS: Readonly<Record<Verdict, string>> = { slower: '▲', faster: '▼', unchanged: '≈', inconclusive: '?', added: '+', removed: '−' };

/** A cell of a comparison row, as text, shared by the text and Markdown tables. */
export interface ComparisonCells {
  mark: string;
  name: string;
  a: string;
  b: string;
  delta: string;
  change: string;
  /** B / A, e.g. `1.38×`. */
  ratio: string;
  calls: string;
  spread: string;
  /** Hodges-Lehmann shift with its interval (repeated runs only). */
  effect: string;
  verdict: string;
}

export function comparisonCells(row: ComparisonRow, showSpread: boolean): ComparisonCells {
  const value = (side: ComparisonRow['a']): string => (side === null ? '—' : formatDurationNs(side.medianNs));
  const spread = (side: ComparisonRow['a']): string => (side === null ? '—' : `±${formatDurationNs(side.iqrNs / 2)}`);
  const verdictWord =
    row.verdict === 'unchanged'
      ? row.reason.startsWith('under ')
        ? 'unchanged'
        : 'within noise'
      : row.verdict === 'added'
        ? 'only in B'
        : row.verdict === 'removed'
          ? 'only in A'
          : row.verdict;
  return {
    mark: VERDICT_MARKS[row.verdict],
    // Span names come from the traced program: one line each, whatever they contain.
    name: row.kind === 'total' ? 'total (run)' : escapeControlChars(row.label),
    a: value(row.a),
    b: value(row.b),
    delta: row.a === null || row.b === null ? '' : `${row.deltaNs >= 0 ? '+' : '-'}${formatDurationNs(Math.abs(row.deltaNs))}`,
    change: formatChange(row),
    ratio: Number.isFinite(row.ratio) ? `${row.ratio.toFixed(2)}×` : '—',
    calls: `${row.a?.calls ?? 0}/${row.b?.calls ?? 0}`,
    spread: showSpread ? `${spread(row.a)} / ${spread(row.b)}` : '',
    effect: showSpread ? formatShift(row.shift, formatDurationNs) : '',
    verdict:
      row.verdict === 'added' || row.verdict === 'removed'
        ? verdictWord
        : row.verdict === 'unchanged' && verdictWord === 'unchanged'
          ? `within threshold (${row.reason})`
          : `${verdictWord} (${row.reason})`,
  };
}

/**
 * Render a comparison as an aligned text table (for a terminal): total, then
 * stages, then call paths indented like the tree, one mark per row
 * (▲ slower, ▼ faster, ≈ within noise, + only in B, − only in A), followed by
 * the summary line and the notes on how noise was judged.
 */
export function renderComparisonTable(comparison: Comparison, options: ComparisonTableOptions = {}): string {
  const nameWidth = options.nameWidth ?? 64;
  const showSpread = comparison.runsA > 1 || comparison.runsB > 1;
  const header: ComparisonCells = {
    mark: ' ',
    name: '',
    a: 'A',
    b: 'B',
    delta: 'Δ',
    change: 'change',
    ratio: 'B/A',
    calls: 'calls A/B',
    spread: showSpread ? '±½IQR A / B' : '',
    effect: showSpread ? `shift B−A [${trimPercent(comparison.options.alpha)} CI]` : '',
    verdict: 'verdict',
  };
  type Line = { cells: ComparisonCells; indent: number } | { section: string };
  const lines: Line[] = [];
  const sections: [string, ComparisonRow[]][] = [
    ['', comparison.rows.filter((row) => row.kind === 'total')],
    ["stages (self time; untagged spans count to their parent's stage)", comparison.rows.filter((row) => row.kind === 'stage')],
  ];
  if (options.paths ?? true) sections.push(['call paths (root → … → span name)', comparison.rows.filter((row) => row.kind === 'path')]);
  for (const [title, rows] of sections) {
    if (rows.length === 0) continue;
    if (title !== '') lines.push({ section: title });
    for (const row of rows) lines.push({ cells: comparisonCells(row, showSpread), indent: row.kind === 'path' ? row.depth * 2 : 0 });
  }
  const cut = (text: string, width: number): string => (text.length > width ? `${text.slice(0, width - 1)}…` : text);
  const nameOf = (line: { cells: ComparisonCells; indent: number }): string => cut(' '.repeat(line.indent) + line.cells.name, nameWidth);
  const rowLines = lines.filter((line): line is { cells: ComparisonCells; indent: number } => 'cells' in line);
  const width = (pick: (cells: ComparisonCells) => string, name = false): number =>
    Math.max(name ? 0 : pick(header).length, ...rowLines.map((line) => (name ? nameOf(line) : pick(line.cells)).length));
  const widths = {
    name: Math.max(
      4,
      width((c) => c.name, true),
    ),
    a: width((c) => c.a),
    b: width((c) => c.b),
    delta: width((c) => c.delta),
    change: width((c) => c.change),
    ratio: width((c) => c.ratio),
    calls: width((c) => c.calls),
    spread: width((c) => c.spread),
    effect: width((c) => c.effect),
  };
  const format = (cells: ComparisonCells, name: string): string =>
    [
      `${cells.mark} ${name.padEnd(widths.name)}`,
      cells.a.padStart(widths.a),
      cells.b.padStart(widths.b),
      cells.delta.padStart(widths.delta),
      cells.change.padStart(widths.change),
      cells.ratio.padStart(widths.ratio),
      cells.calls.padStart(widths.calls),
      ...(showSpread ? [cells.spread.padStart(widths.spread), cells.effect.padStart(widths.effect)] : []),
      cells.verdict,
    ]
      .join('  ')
      .trimEnd();
  const out: string[] = [
    `A: ${escapeControlChars(comparison.labelA)} (${plural(comparison.runsA, 'run')})`,
    `B: ${escapeControlChars(comparison.labelB)} (${plural(comparison.runsB, 'run')})`,
    '',
    format(header, ''),
  ];
  for (const line of lines) out.push('section' in line ? `  ${line.section}` : format(line.cells, nameOf(line)));
  out.push('', `summary: ${escapeControlChars(comparison.summary)}`, ...comparison.notes.map((note) => `note: ${note}`));
  return `${out.join('\n')}\n`;
}

/** `95%` from alpha 0.05. */
function trimPercent(alpha: number): string {
  return `${Number(((1 - alpha) * 100).toPrecision(6))}%`;
}

export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
