import { StagescopeError } from '../core/errors.js';

/**
 * Probe names and the parsing of a probe list, apart from the probes themselves:
 * process mode parses `STAGESCOPE_PROBES` at start-up, and loading every probe
 * module for that would cost start-up time for a run that uses none.
 */

/** Built-in probes by the name used in `probes: [...]`, `--probes` and `STAGESCOPE_PROBES`. */
export const PROBE_NAMES = ['memory', 'cpu', 'disk', 'network', 'eventloop', 'gc', 'system'] as const;
export type ProbeName = (typeof PROBE_NAMES)[number];

/** No probe has that name (code `SS_ERR_PROBE_UNKNOWN`); the message is `stagescope: ${detail}`. */
export class UnknownProbeError extends StagescopeError {
  override readonly name = 'UnknownProbeError';
  constructor(detail: string, options?: ErrorOptions) {
    super('SS_ERR_PROBE_UNKNOWN', detail, { ...options, prefixed: true });
  }
}

/**
 * The one message for a probe name that is not one, wherever it came from:
 * `label` is `--probes`, `STAGESCOPE_PROBES` or `option probes[1]`.
 */
export function unknownProbeError(label: string, name: string): UnknownProbeError {
  return new UnknownProbeError(`${label}: unknown probe "${name}" (known: ${[...PROBE_NAMES, 'all'].join(', ')})`);
}

export function isProbeName(value: string): value is ProbeName {
  return (PROBE_NAMES as readonly string[]).includes(value);
}

/**
 * Parse a comma-separated probe list (`--probes memory,cpu`, `STAGESCOPE_PROBES`).
 * Throws `UnknownProbeError` naming `optionName` and the known names.
 */
export function parseProbeList(text: string, optionName = '--probes'): (ProbeName | 'all')[] {
  const names = text
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  for (const name of names) {
    if (name !== 'all' && !isProbeName(name)) throw unknownProbeError(optionName, name);
  }
  return names as (ProbeName | 'all')[];
}
