import type { SpanProbe } from '../core/probe.js';
import type { BackgroundSampler } from './background-sampler.js';
import { CpuProbe } from './cpu-probe.js';
import { DiskProbe } from './disk-probe.js';
import { EventLoopDelaySampler } from './event-loop-delay-sampler.js';
import { EventLoopProbe } from './event-loop-probe.js';
import { GcProbe } from './gc-probe.js';
import { MemoryProbe } from './memory-probe.js';
import { NetworkProbe } from './network-probe.js';
import { SystemSampler } from './system-sampler.js';

import { isProbeName, PROBE_NAMES, UnknownProbeError, unknownProbeError, type ProbeName } from './probe-names.js';

export { isProbeName, parseProbeList, PROBE_NAMES, UnknownProbeError, type ProbeName } from './probe-names.js';

/** What the `probes` option accepts: a built-in name, `'all'`, or your own probe or sampler object. */
export type ProbeSpec = ProbeName | 'all' | SpanProbe | BackgroundSampler;

/** One line per built-in probe, for `--help` and errors. */
export const PROBE_DESCRIPTIONS: Readonly<Record<ProbeName, string>> = {
  memory: 'V8 heap used, external (ArrayBuffers) and RSS change per span; new RSS peaks',
  cpu: 'process user/system CPU time per span, and the main thread’s own CPU time',
  disk: 'bytes through read/write syscalls and bytes hitting storage per span (/proc/self/io, Linux)',
  network: 'bytes sent/received on client sockets, credited to the span that opened the socket or request',
  eventloop: 'event-loop utilisation per span (how much it blocked the loop); delay sampled over time',
  gc: 'GC pauses (count, total ns) that fell inside each span',
  system: 'background samples: system CPU load, memory, disk and network throughput, process RSS, GPU (nvidia-smi)',
};

/** The built-in probes and samplers a list of specs stands for. */
export interface ResolvedProbes {
  spanProbes: SpanProbe[];
  samplers: BackgroundSampler[];
}

/** A probe name that does not exist; the message names the option and the known names. */

function isSampler(value: object): value is BackgroundSampler {
  return typeof (value as Partial<BackgroundSampler>).series === 'function' && typeof (value as Partial<BackgroundSampler>).stop === 'function';
}

function isSpanProbe(value: object): value is SpanProbe {
  return typeof (value as Partial<SpanProbe>).start === 'function' && typeof (value as Partial<SpanProbe>).end === 'function';
}

/**
 * Turn the `probes` option into probe instances (fresh ones per call: probes
 * keep per-run state). Names may repeat (kept once); `'all'` means every
 * built-in. Throws `UnknownProbeError` naming `optionName` and the known names.
 *
 * @example
 * resolveProbes(['memory', 'cpu']).spanProbes.map((probe) => probe.name); // ['memory', 'cpu']
 */
export function resolveProbes(specs: ReadonlyArray<ProbeSpec>, optionName = 'option probes'): ResolvedProbes {
  const names = new Set<ProbeName>();
  const spanProbes: SpanProbe[] = [];
  const samplers: BackgroundSampler[] = [];
  specs.forEach((spec, index) => {
    if (typeof spec === 'string') {
      if (spec === 'all') PROBE_NAMES.forEach((name) => names.add(name));
      else if (isProbeName(spec)) names.add(spec);
      else throw unknownProbeError(`${optionName}[${index}]`, spec);
    } else if (spec !== null && typeof spec === 'object' && isSampler(spec)) {
      samplers.push(spec);
    } else if (spec !== null && typeof spec === 'object' && isSpanProbe(spec)) {
      spanProbes.push(spec);
    } else {
      throw new UnknownProbeError(
        `${optionName}[${index}] is neither a probe name (${[...PROBE_NAMES, 'all'].join(', ')}) nor a probe object (start/end) nor a sampler (start/stop/series)`,
      );
    }
  });
  // built-ins first, in PROBE_NAMES order, so the tree's annotation order is stable
  const builtIns: SpanProbe[] = [];
  for (const name of PROBE_NAMES) {
    if (!names.has(name)) continue;
    switch (name) {
      case 'memory':
        builtIns.push(new MemoryProbe());
        break;
      case 'cpu':
        builtIns.push(new CpuProbe());
        break;
      case 'disk':
        builtIns.push(new DiskProbe());
        break;
      case 'network':
        builtIns.push(new NetworkProbe());
        break;
      case 'eventloop':
        builtIns.push(new EventLoopProbe());
        samplers.push(new EventLoopDelaySampler());
        break;
      case 'gc':
        builtIns.push(new GcProbe());
        break;
      case 'system':
        samplers.push(new SystemSampler());
        break;
    }
  }
  return { spanProbes: [...builtIns, ...spanProbes], samplers };
}
