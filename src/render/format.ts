import type { RunDocument } from '../core/run-document.js';

/** Human-readable duration with a unit chosen for 3–4 significant digits. */
export function formatDurationNs(ns: number): string {
  const abs = Math.abs(ns);
  if (abs < 1e3) return `${ns.toFixed(0)} ns`;
  if (abs < 1e6) return `${(ns / 1e3).toFixed(1)} µs`;
  if (abs < 1e9) return `${(ns / 1e6).toFixed(1)} ms`;
  return `${(ns / 1e9).toFixed(3)} s`;
}

export function formatBytes(bytes: number): string {
  const abs = Math.abs(bytes);
  const sign = bytes < 0 ? '-' : '';
  if (abs < 1024) return `${sign}${abs.toFixed(0)} B`;
  if (abs < 1024 ** 2) return `${sign}${(abs / 1024).toFixed(1)} KiB`;
  if (abs < 1024 ** 3) return `${sign}${(abs / 1024 ** 2).toFixed(1)} MiB`;
  return `${sign}${(abs / 1024 ** 3).toFixed(2)} GiB`;
}

export { formatClock } from './local-clock.js';

export function formatPercent(part: number, whole: number): string {
  const pct = whole > 0 ? (part / whole) * 100 : 0;
  return `${pct.toFixed(2).padStart(6)}%`;
}

/**
 * `async context ~1.7 ms`: the run's estimate of what carrying AsyncLocalStorage
 * into every promise cost the process (Node < 24; not part of OH), for the
 * lines that show OH; undefined when the document has none or it is under 1 µs.
 */
export function asyncContextText(doc: Pick<RunDocument, 'overhead'>): string | undefined {
  const estimatedNs = doc.overhead?.asyncContext?.estimatedNs;
  return estimatedNs !== undefined && estimatedNs >= 1000 ? `async context ~${formatDurationNs(estimatedNs)}` : undefined;
}
