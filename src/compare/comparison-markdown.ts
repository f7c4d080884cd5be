import type { Comparison } from './compare-runs.js';
import { comparisonCells, plural } from './comparison-table.js';

/**
 * Escape text for a Markdown table cell: `|` would end the cell, `<`/`&` could
 * become HTML, and backslash, backtick, `*`, `_`, `[`, `]` would change the
 * formatting of a span name such as `__init__` or `run[0]`.
 */
export function escapeMarkdownCell(text: string): string {
  return text
    .replace(/[\\`*_[\]|]/g, (char) => `\\${char}`)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\r?\n/g, ' ');
}

/**
 * Render a comparison as a GitHub-flavoured Markdown table: one row per total,
 * stage and call path (paths indented with non-breaking spaces by depth), the
 * summary in bold above and the notes below.
 */
export function renderComparisonMarkdown(comparison: Comparison): string {
  const showSpread = comparison.runsA > 1 || comparison.runsB > 1;
  const lines: string[] = [
    `**${escapeMarkdownCell(comparison.summary)}**`,
    '',
    `A = ${escapeMarkdownCell(comparison.labelA)} (${plural(comparison.runsA, 'run')}), B = ${escapeMarkdownCell(comparison.labelB)} (${plural(comparison.runsB, 'run')})`,
    '',
    `| | ${['stage / call path', 'A', 'B', 'Δ', 'change', 'B/A', 'calls A/B', ...(showSpread ? ['±½IQR A / B', `shift B−A [${Number(((1 - comparison.options.alpha) * 100).toPrecision(6))}% CI]`] : []), 'verdict'].join(' | ')} |`,
    `|---|${['---', '---:', '---:', '---:', '---:', '---:', '---:', ...(showSpread ? ['---:', '---:'] : []), '---'].join('|')}|`,
  ];
  for (const row of comparison.rows) {
    const cells = comparisonCells(row, showSpread);
    const indent = row.kind === 'path' ? '&nbsp;&nbsp;'.repeat(row.depth) : '';
    const name =
      row.kind === 'stage'
        ? `*${escapeMarkdownCell(cells.name)}*`
        : row.kind === 'total'
          ? `**${escapeMarkdownCell(cells.name)}**`
          : escapeMarkdownCell(cells.name);
    const values = [
      cells.a,
      cells.b,
      cells.delta,
      cells.change,
      cells.ratio,
      cells.calls,
      ...(showSpread ? [cells.spread, cells.effect] : []),
      cells.verdict,
    ].map(escapeMarkdownCell);
    lines.push(`| ${cells.mark} | ${indent}${name} | ${values.join(' | ')} |`);
  }
  lines.push('', ...comparison.notes.map((note) => `${escapeMarkdownCell(note).replace(/\\`/g, '`')}  `));
  return `${lines.join('\n').trimEnd()}\n`;
}
