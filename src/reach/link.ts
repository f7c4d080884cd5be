import path from 'node:path';
import type { TargetSpec } from '../instrument/target.js';
import type { ReachOptions } from './reach-host.js';
import { registerEntryUrl } from '../paths.js';

/** `--import` this in a thread or process to make it a linked worker/child (the bundle of register/linked). */
export const LINKED_REGISTER_URL: string = registerEntryUrl('linked');

/** Environment variable that makes a node child process a linked child (JSON {@link ReachLink}). */
export const REACH_ENV = 'STAGESCOPE_REACH';
/**
 * Environment variable a process-mode run sets to its own pid, so that a node
 * process it starts without a link (spawnSync, execSync and execFileSync do not
 * pass through the spawn patch) and that inherits `--import stagescope/register`
 * through NODE_OPTIONS knows it is not a run of its own.
 */
export const RUN_PID_ENV = 'STAGESCOPE_RUN_PID';
/** `worker_threads` environment-data key that makes a Worker a linked worker (a {@link ReachLink}). */
export const REACH_DATA_KEY = 'stagescope.reach.v1';

/**
 * The preset options a worker or child process gets: plain data only (they
 * cross a thread or process boundary as JSON). Outputs (`json`, `svg`, `gantt`,
 * `trace`, printing) are never passed: only the run's own process writes them.
 */
export interface PortableOptions {
  targets?: Array<string | TargetSpec>;
  builtInTargets?: boolean;
  maxSpans?: number;
  /** null means Infinity (the budget off): JSON has no Infinity. */
  maxOverheadPct?: number | null;
  probes?: string[];
  /** The run's model → stage rules (option `models`), as written. */
  models?: Array<{ match: string; stage: string }>;
  /** Preset-specific switches (`ops`, `kernels` …): primitive values only. */
  extra?: Record<string, string | number | boolean>;
}

/** What a traced thread or process hands to a worker or child it starts. */
export interface ReachLink {
  /** Unique per started worker/child. */
  linkId: string;
  kind: 'worker' | 'process';
  /** Span the worker/child was started under, as an id of the merging process's run document. */
  parentSpanId: string;
  /** BroadcastChannel worker batches go to (the process main thread's session). */
  channel: string;
  /** Directory child processes write their run documents to (made on first use). */
  dir: string;
  preset: string;
  options: PortableOptions;
  /** Where the parent resolves packages from (the traced script's folder first). */
  basedirs: string[];
  /** Worker file or child command line, for the merged root span's name. */
  label: string;
}

/** Not copied into `extra`: the keys handled one by one below. */
const HANDLED_KEYS: readonly string[] = ['targets', 'builtInTargets', 'maxSpans', 'maxOverheadPct', 'probes', 'models'];

/**
 * The portable part of a preset's options (target file paths made absolute;
 * custom probe objects dropped). `keptFields` are the options only the run's
 * own process uses (outputs, printing, the CLI's hand-over file), as the
 * option table marks them: never handed on.
 */
export function portableOptions(options: ReachOptions, keptFields: readonly string[]): PortableOptions {
  const notExtra = new Set([...HANDLED_KEYS, ...keptFields]);
  const portable: PortableOptions = {};
  if (options.targets !== undefined) {
    portable.targets = options.targets.map((entry) => (typeof entry === 'string' ? path.resolve(entry) : { ...entry }));
  }
  if (options.builtInTargets !== undefined) portable.builtInTargets = options.builtInTargets;
  if (options.maxSpans !== undefined) portable.maxSpans = options.maxSpans;
  if (options.maxOverheadPct !== undefined) portable.maxOverheadPct = Number.isFinite(options.maxOverheadPct) ? options.maxOverheadPct : null;
  const probes: string[] = [];
  for (const probe of options.probes ?? []) if (typeof probe === 'string') probes.push(probe);
  if (probes.length > 0) portable.probes = probes;
  // Rules as data ({ match, stage }); the worker checks them again when its preset is made.
  if (Array.isArray(options.models) && options.models.length > 0) portable.models = options.models.map(({ match, stage }) => ({ match, stage }));
  const extra: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(options)) {
    if (notExtra.has(key)) continue;
    if (typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value))) extra[key] = value;
  }
  if (Object.keys(extra).length > 0) portable.extra = extra;
  return portable;
}

/** Parse a link from the environment or environment data; undefined when absent or malformed. */
export function parseLink(value: unknown): ReachLink | undefined {
  let data = value;
  if (typeof value === 'string') {
    try {
      data = JSON.parse(value);
    } catch {
      return undefined;
    }
  }
  const link = data as Partial<ReachLink> | null | undefined;
  if (link === null || typeof link !== 'object') return undefined;
  if (typeof link.linkId !== 'string' || typeof link.parentSpanId !== 'string' || typeof link.preset !== 'string') return undefined;
  if (typeof link.channel !== 'string' || typeof link.dir !== 'string' || (link.kind !== 'worker' && link.kind !== 'process')) return undefined;
  return {
    linkId: link.linkId,
    kind: link.kind,
    parentSpanId: link.parentSpanId,
    channel: link.channel,
    dir: link.dir,
    preset: link.preset,
    options: link.options ?? {},
    basedirs: Array.isArray(link.basedirs) ? link.basedirs.filter((dir): dir is string => typeof dir === 'string') : [],
    label: typeof link.label === 'string' ? link.label : '',
  };
}
