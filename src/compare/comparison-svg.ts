import { escapeControlChars } from './terminal-text.js';
import { formatDurationNs } from '../render/format.js';
import { stageColor } from '../render/palette.js';
import { escapeXml } from '../render/svg-escape.js';
import { layoutFlow, swatchLabel, words, type FlowGroup } from '../render/text/flow.js';
import { FONT_STACK, middleFit, textWidth } from '../render/text/measure.js';
import { formatChange, type Comparison, type ComparisonRow, type ComparisonSide } from './compare-runs.js';
import { quantile } from './stats.js';
import { VERDICT_MARKS } from './comparison-table.js';

export interface ComparisonSvgOptions {
  /** Picture width in px. Default 1100. */
  widthPx?: number;
  /** Call paths drawn, the longest first by max(A, B); the rest are counted in a note. Default 20. */
  maxPaths?: number;
  /** Longest row label before it is cut with `…` (the full name is in the tooltip). Default 64. */
  labelChars?: number;
}

const SLOWER_COLOR = '#c0392b';
const FASTER_COLOR = '#1e8449';
const NOISE_COLOR = '#7f7f7f';
const TOTAL_COLOR = '#6e6e6e';
const FONT = `font-family="${FONT_STACK}"`;
const BAR_PX = 13;
const ROW_PX = BAR_PX * 2 + 14;

/**
 * Render a comparison as an SVG chart: one group of two horizontal bars per
 * row (A light, B solid, both in the row's stage colour), sections for the
 * total, the stages and the longest call paths, each scaled to its own
 * longest bar; the change in % on the right, red when slower beyond noise,
 * green when faster, grey when within noise. With repeated runs a whisker on
 * each bar spans the middle half of the runs (p25–p75). Names are escaped.
 */
export function renderComparisonSvg(comparison: Comparison, options: ComparisonSvgOptions = {}): string {
  const widthPx = options.widthPx ?? 1100;
  const maxPaths = options.maxPaths ?? 20;
  const labelChars = options.labelChars ?? 64;
  const total = comparison.rows.filter((row) => row.kind === 'total');
  const stages = comparison.rows.filter((row) => row.kind === 'stage');
  // The root path is the total again: leave it out of the paths section.
  const allPaths = comparison.rows.filter((row) => row.kind === 'path' && row.depth > 0);
  const size = (row: ComparisonRow): number => Math.max(row.a?.medianNs ?? 0, row.b?.medianNs ?? 0);
  const shownPaths = new Set([...allPaths].sort((x, y) => size(y) - size(x)).slice(0, maxPaths));
  const paths = allPaths.filter((row) => shownPaths.has(row));
  const hiddenPaths = allPaths.length - paths.length;

  const labelOf = (row: ComparisonRow): string => (row.kind === 'total' ? 'total (run)' : escapeControlChars(row.label));
  const indentOf = (row: ComparisonRow): number => (row.kind === 'path' ? Math.max(0, row.depth - 1) * 12 : 0);
  const shownRows = [...total, ...stages, ...paths];
  // Label column: as wide as the longest label (measured), at most ~40 % of the picture; longer labels are cut in the middle.
  const labelCapPx = Math.max(160, Math.min(widthPx * 0.4, labelChars * 7.5));
  const labelPx = Math.ceil(Math.min(labelCapPx, Math.max(120, ...shownRows.map((row) => textWidth(labelOf(row), 12) + indentOf(row)))) + 16);
  const cut = (row: ComparisonRow): string => middleFit(labelOf(row), labelPx - 16 - indentOf(row), 12);
  const changeTextOf = (row: ComparisonRow): string =>
    `${VERDICT_MARKS[row.verdict]} ${formatChange(row)}${row.verdict === 'unchanged' ? ' (noise)' : row.verdict === 'inconclusive' ? ' (too few runs)' : ''}`;
  const changePx = Math.ceil(Math.max(90, ...shownRows.map((row) => textWidth(changeTextOf(row), 13, true))) + 12);
  const valueText = (side: ComparisonSide, solid: boolean): string => `${solid ? 'B' : 'A'} ${formatDurationNs(side.medianNs)}`;
  const valuePx = Math.ceil(
    Math.max(
      40,
      ...shownRows.flatMap((row) => [row.a, row.b].map((side) => (side === null ? textWidth('not present', 11) : textWidth(valueText(side, true), 11)))),
    ) + 10,
  );
  const barLeft = labelPx + 8;
  // Whiskers can reach past the median bar: keep room for them inside the bar area.
  const barMaxPx = Math.max(120, widthPx - barLeft - valuePx - changePx - 16);

  const out: string[] = [];
  let y = 0;
  const text = (x: number, yy: number, content: string, attrs = ''): void => {
    out.push(`<text x="${x.toFixed(1)}" y="${yy.toFixed(1)}" ${attrs}>${escapeXml(content)}</text>`);
  };

  // Header: title, summary, legend; pieces flow after each other's measured width and wrap.
  const legendStages = [...new Set(stages.map((row) => row.stage))];
  const noiseRule =
    comparison.noiseMethod === 'too-few-runs'
      ? `too few runs for a claim: ${comparison.runsA} vs ${comparison.runsB}`
      : `Mann-Whitney, Holm-corrected over ${comparison.testedRows} rows, p < ${comparison.options.alpha} and ≥ ${comparison.options.thresholdPercent}%`;
  const legendGroups: FlowGroup[] = [
    swatchLabel(
      '#bbbbbb',
      `A: ${comparison.labelA} (${comparison.runsA} run${comparison.runsA === 1 ? '' : 's'})`,
      { fontSize: 12 },
      { opacity: 0.45, stroke: '#666666' },
    ),
    swatchLabel('#666666', `B: ${comparison.labelB} (${comparison.runsB} run${comparison.runsB === 1 ? '' : 's'})`, { fontSize: 12 }),
  ];
  const notes = [
    'bar colour = stage; light = A, solid = B',
    ...(comparison.runsA > 1 || comparison.runsB > 1 ? ['whisker = middle half of the runs (p25–p75)'] : []),
  ].join(' · ');
  const flow = layoutFlow(
    [
      { groups: words('stagescope compare — B vs A', { fontSize: 17, bold: true }) },
      { groups: words(comparison.summary, { fontSize: 14 }), spaceBefore: 2 },
      { groups: legendGroups, spaceBefore: 4 },
      {
        groups: [
          ...words(`${notes} `, { fontSize: 11, fill: '#444444' }),
          ...legendStages.map((stage) => swatchLabel(stageColor(stage), stage ?? 'no stage', { fontSize: 11, fill: '#444444' })),
        ],
      },
      { groups: words(`▲ slower / ▼ faster beyond noise (${noiseRule}), ≈ within noise, ? inconclusive`, { fontSize: 11, fill: '#444444' }) },
    ],
    16,
    8,
    widthPx - 32,
  );
  out.push(...flow.svg);
  y = flow.bottom;

  const section = (title: string, rows: ComparisonRow[], note?: string): void => {
    if (rows.length === 0) return;
    y += 24;
    const heading = layoutFlow(
      [{ groups: [...words(`${title}  `, { fontSize: 13, bold: true }), ...(note === undefined ? [] : words(note, { fontSize: 11, fill: '#666666' }))] }],
      16,
      y - 14,
      widthPx - 32,
    );
    out.push(...heading.svg);
    y = heading.bottom - 4.5;
    out.push(`<line x1="16" y1="${y + 5}" x2="${widthPx - 16}" y2="${y + 5}" stroke="#ddd"/>`);
    y += 10;
    const scaleNs = Math.max(1, ...rows.map((row) => Math.max(sideMax(row.a), sideMax(row.b))));
    const px = (ns: number): number => (ns / scaleNs) * barMaxPx;
    for (const row of rows) {
      const top = y + 6;
      // The total is not a stage: a neutral grey, darker than the `no stage` colour.
      const color = row.kind === 'total' ? TOTAL_COLOR : stageColor(row.stage);
      const label = cut(row);
      const full = row.kind === 'path' ? row.names.join(' → ') : labelOf(row);
      out.push(
        `<g><title>${escapeXml(`${full}\nA ${row.a === null ? '—' : formatDurationNs(row.a.medianNs)}, B ${row.b === null ? '—' : formatDurationNs(row.b.medianNs)}, ${row.reason}`)}</title>`,
      );
      text(16 + indentOf(row), top + BAR_PX + 4, label, `font-size="12"${row.kind === 'stage' ? ' font-style="italic"' : ''}`);
      const bar = (side: ComparisonSide | null, barTop: number, solid: boolean): void => {
        if (side === null) {
          text(barLeft + 2, barTop + BAR_PX - 2, 'not present', 'font-size="11" fill="#888" font-style="italic"');
          return;
        }
        const w = Math.max(1, px(side.medianNs));
        out.push(
          solid
            ? `<rect x="${barLeft}" y="${barTop}" width="${w.toFixed(1)}" height="${BAR_PX}" fill="${color}"/>`
            : `<rect x="${barLeft}" y="${barTop}" width="${w.toFixed(1)}" height="${BAR_PX}" fill="${color}" fill-opacity="0.45" stroke="${color}" stroke-width="1"/>`,
        );
        let labelX = barLeft + w + 5;
        if (side.samplesNs.length > 1) {
          const lo = barLeft + px(quantile(side.samplesNs, 0.25));
          const hi = barLeft + px(quantile(side.samplesNs, 0.75));
          const mid = barTop + BAR_PX / 2;
          out.push(
            `<path d="M${lo.toFixed(1)} ${mid - 3}v6M${lo.toFixed(1)} ${mid}H${hi.toFixed(1)}M${hi.toFixed(1)} ${mid - 3}v6" stroke="#222" stroke-width="1.2" fill="none"/>`,
          );
          labelX = Math.max(labelX, hi + 5);
        }
        text(labelX, barTop + BAR_PX - 2, valueText(side, solid), 'font-size="11" fill="#333"');
      };
      bar(row.a, top, false);
      bar(row.b, top + BAR_PX + 2, true);
      const changeColor =
        row.verdict === 'slower' || row.verdict === 'added' ? SLOWER_COLOR : row.verdict === 'faster' || row.verdict === 'removed' ? FASTER_COLOR : NOISE_COLOR;
      const changeText = changeTextOf(row);
      text(widthPx - 16, top + BAR_PX + 4, changeText, `font-size="13" text-anchor="end" fill="${changeColor}"${row.changed ? ' font-weight="bold"' : ''}`);
      out.push('</g>');
      y += ROW_PX;
    }
  };
  section('total', total);
  section('stages', stages, 'self time by stage; untagged spans count to their parent’s stage');
  section(
    'call paths',
    paths,
    hiddenPaths > 0 ? `longest ${paths.length} of ${allPaths.length}; ${hiddenPaths} shorter not shown` : 'indented by depth; calls of a path summed',
  );
  y += 16;

  const heightPx = Math.ceil(y);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${widthPx}" height="${heightPx}" viewBox="0 0 ${widthPx} ${heightPx}" ${FONT}>`,
    `<title>${escapeXml(`stagescope compare: ${comparison.labelA} vs ${comparison.labelB}`)}</title>`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    ...out,
    '</svg>',
    '',
  ].join('\n');
}

function sideMax(side: ComparisonSide | null): number {
  return side === null ? 0 : Math.max(side.medianNs, quantile(side.samplesNs, 0.75));
}
