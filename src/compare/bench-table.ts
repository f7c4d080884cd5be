import { escapeControlChars } from './terminal-text.js';
import { formatDurationNs } from '../render/format.js';
import type { BenchDocument, BenchRow, BenchVariant } from './bench-document.js';

/**
 * Per-path statistics of one benchmarked variant as an aligned text table:
 * median, p95, min, max and IQR over the measured runs, and calls per run.
 */
export function renderBenchVariantTable(variant: BenchVariant, options: { nameWidth?: number } = {}): string {
  const nameWidth = options.nameWidth ?? 64;
  const header = ['', 'median', 'p95', 'min', 'max', 'IQR', 'calls'];
  const sections: [string, BenchRow[]][] = [
    ['', variant.summary.filter((row) => row.kind === 'total')],
    ['stages', variant.summary.filter((row) => row.kind === 'stage')],
    ['call paths', variant.summary.filter((row) => row.kind === 'path')],
  ];
  const body: (string[] | string)[] = [];
  for (const [title, rows] of sections) {
    if (rows.length === 0) continue;
    if (title !== '') body.push(`  ${title}`);
    for (const row of rows) {
      const name = `${' '.repeat(row.kind === 'path' ? 2 + row.depth * 2 : row.kind === 'stage' ? 2 : 0)}${row.kind === 'total' ? 'total (run)' : escapeControlChars(row.label)}`;
      body.push([
        name.length > nameWidth ? `${name.slice(0, nameWidth - 1)}…` : name,
        formatDurationNs(row.medianNs),
        formatDurationNs(row.p95Ns),
        formatDurationNs(row.minNs),
        formatDurationNs(row.maxNs),
        formatDurationNs(row.iqrNs),
        String(row.calls),
      ]);
    }
  }
  const rows = body.filter((line): line is string[] => Array.isArray(line));
  const widths = header.map((cell, column) => Math.max(cell.length, ...rows.map((row) => row[column]!.length)));
  const format = (cells: string[]): string =>
    cells
      .map((cell, column) => (column === 0 ? `  ${cell.padEnd(widths[0]!)}` : cell.padStart(widths[column]!)))
      .join('  ')
      .trimEnd();
  const runs = variant.runs.length;
  const lines = [`${escapeControlChars(variant.label)}: ${runs} run${runs === 1 ? '' : 's'}, preset ${variant.preset ?? 'none'}`, format(header)];
  for (const line of body) lines.push(typeof line === 'string' ? line : format(line));
  return `${lines.join('\n')}\n`;
}

/** Every variant's table, one after the other. */
export function renderBenchTable(doc: BenchDocument): string {
  const head = `stagescope bench: ${doc.repeat} measured run${doc.repeat === 1 ? '' : 's'} per variant after ${doc.warmup} warm-up run${doc.warmup === 1 ? '' : 's'} (${doc.schedule})\n\n`;
  return head + doc.variants.map((variant) => renderBenchVariantTable(variant)).join('\n');
}
