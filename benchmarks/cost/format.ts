import type { Unit } from './figures.js';
import type { Summary } from './stats.js';

/**
 * A number in a figure's unit, without the unit: the precision a reader can
 * trust on a shared machine. A value that rounds to zero prints without a sign
 * (a median of -0.3 ns is `0`, not `-0`).
 */
export function formatNumber(value: number, unit: Unit): string {
  if (!Number.isFinite(value)) return value > 0 ? '∞' : '−∞';
  const text = formatDigits(value, unit);
  return /^-0(\.0+)?$/.test(text) ? text.slice(1) : text;
}

function formatDigits(value: number, unit: Unit): string {
  switch (unit) {
    case '×':
      return value.toFixed(2);
    case '%':
      return value.toFixed(Math.abs(value) < 10 ? 1 : 0);
    case 'ms':
      return value.toFixed(Math.abs(value) < 10 ? 1 : 0);
    case 'µs':
      return value.toFixed(Math.abs(value) < 100 ? 1 : 0);
    case 'ns':
    case 'B':
      return value.toFixed(0);
  }
}

export function withUnit(text: string, unit: Unit): string {
  return unit === '×' || unit === '%' ? `${text}${unit}` : `${text} ${unit}`;
}

/** `1.21× (1.15–1.30)`: median with unit, then min–max over rounds. */
export function formatSummary(summary: Summary | null, unit: Unit): string {
  if (summary === null) return '—';
  const median = withUnit(formatNumber(summary.median, unit), unit);
  return summary.n === 1 ? median : `${median} (${formatNumber(summary.min, unit)}–${formatNumber(summary.max, unit)})`;
}
