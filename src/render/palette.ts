import type { Stage } from '../core/types.js';

/** A stage, or `'none'` for spans without one (the run root, helpers). */
export type StageKey = Stage | 'none';

/**
 * One fixed colour per stage, shared by every picture (Gantt, call graph,
 * comparison chart) so that "recognition" is the same colour everywhere.
 * Tableau-10 hues: distinct for the common colour-vision deficiencies and
 * still readable with black text on top.
 */
export const STAGE_COLORS: Readonly<Record<StageKey, string>> = {
  load: '#9c9ede',
  preprocess: '#76b7b2',
  detection: '#4e79a7',
  classification: '#f28e2b',
  recognition: '#59a14f',
  postprocess: '#edc948',
  none: '#bab0ac',
};

/** Order in which legends list the stages (pipeline order). */
export const STAGE_ORDER: readonly StageKey[] = ['load', 'preprocess', 'detection', 'classification', 'recognition', 'postprocess', 'none'];

/** The colour of a span's stage (`null` = `'none'`). */
export function stageColor(stage: Stage | null): string {
  return STAGE_COLORS[stage ?? 'none'];
}

/**
 * Heat scale stops (ColorBrewer YlOrRd, 6 classes), cold to hot. Fixed, so two
 * pictures of two runs use the same colour for the same share of the run.
 */
export const HEAT_STOPS: readonly string[] = ['#ffffcc', '#fed976', '#feb24c', '#fd8d3c', '#f03b20', '#bd0026'];

/** The colour of the hottest node of a call graph ("where the time is spent"). */
export const HOTTEST_COLOR = '#bd0026';

/**
 * Heat colour for a share of the run in [0, 1] (values outside are clamped):
 * linear interpolation between the fixed {@link HEAT_STOPS}.
 *
 * @example heatColor(0) === '#ffffcc'; heatColor(1) === '#bd0026'
 */
export function heatColor(fraction: number): string {
  const clamped = Number.isFinite(fraction) ? Math.min(1, Math.max(0, fraction)) : 0;
  const scaled = clamped * (HEAT_STOPS.length - 1);
  const index = Math.min(HEAT_STOPS.length - 2, Math.floor(scaled));
  const from = parseHex(HEAT_STOPS[index]!);
  const to = parseHex(HEAT_STOPS[index + 1]!);
  const t = scaled - index;
  return toHex(from.map((channel, i) => channel + (to[i]! - channel) * t) as [number, number, number]);
}

/** Black or white, whichever reads better on `background` (WCAG relative luminance). */
export function textColorOn(background: string): '#000000' | '#ffffff' {
  const [r, g, b] = parseHex(background).map((channel) => {
    const c = channel / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  const luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b;
  return luminance > 0.22 ? '#000000' : '#ffffff';
}

function parseHex(color: string): [number, number, number] {
  const hex = color.replace('#', '');
  return [0, 2, 4].map((offset) => parseInt(hex.slice(offset, offset + 2), 16)) as [number, number, number];
}

function toHex(rgb: [number, number, number]): string {
  return `#${rgb.map((channel) => Math.round(channel).toString(16).padStart(2, '0')).join('')}`;
}
