import type { CostDocument } from './document.js';

/** The result as aligned text for the terminal: one line per figure, goal and verdict next to it. */
export function renderCostTable(doc: CostDocument): string {
  const header = ['row', 'figure', 'median (min–max)', 'goal', 'verdict'];
  const rows = doc.figures.map((figure) => [
    String(figure.row),
    figure.title,
    figure.display.figure,
    figure.display.goal,
    figure.verdict === 'ok' ? 'ok' : figure.verdict.toUpperCase(),
  ]);
  const widths = header.map((cell, column) => Math.max(cell.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: string[]): string =>
    cells
      .map((cell, column) => cell.padEnd(widths[column]!))
      .join('  ')
      .trimEnd();
  const load = doc.loadAverage;
  const lines = [
    `bench:cost${doc.quick ? ' (quick: small N, not for the docs)' : ''} — node ${doc.environment.node}, ${doc.environment.cpus} CPUs, ${doc.rounds} interleaved rounds, load average ${load.min.toFixed(2)}–${load.max.toFixed(2)}, ${doc.startedAt.slice(0, 16).replace('T', ' ')} UTC, ${doc.wallSeconds.toFixed(0)} s`,
    '',
    line(header),
    line(widths.map((width) => '─'.repeat(width))),
    ...rows.map(line),
  ];
  const errors = doc.figures.filter((figure) => figure.errors.length > 0);
  if (errors.length > 0) {
    lines.push('');
    for (const figure of errors) for (const message of figure.errors) lines.push(`${figure.id}: ${message}`);
  }
  lines.push(
    '',
    'ok: median and whole range meet the goal; BORDERLINE: the median does, part of the range does not; MISS: the median does not; UNRESOLVED: the noise exceeds what the figure divides by (a round measured none of it: the range is unbounded; or the median over rounds did: no figure); INFO: no goal; ERROR: no figure.',
  );
  return `${lines.join('\n')}\n`;
}
