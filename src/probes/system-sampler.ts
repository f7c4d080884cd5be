import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import v8 from 'node:v8';
import { nowNs } from '../core/clock.js';
import { suppressTracing } from '../core/context.js';
import { guarded, reportGuarded } from '../core/guarded.js';
import type { SampleSeries } from '../core/run-document.js';
import { pushPoint, type BackgroundSampler } from './background-sampler.js';
import { ProcFile, procField, statmPageBytes } from './proc-file.js';

export interface SystemSamplerOptions {
  /** Sampling interval in ms. Default 250. */
  intervalMs?: number;
  /** Read GPU utilisation and memory from one long-running `nvidia-smi` where it is on the PATH. Default true. */
  gpu?: boolean;
}

/** Counters from the previous tick, for rates. */
interface Previous {
  atNs: number;
  cpuBusy: number;
  cpuTotal: number;
  diskReadBytes: number;
  diskWriteBytes: number;
  netReceivedBytes: number;
  netSentBytes: number;
}

/**
 * System-wide context sampled in the background at a fixed interval on an
 * unref'd timer (never per span, never keeping the process alive), with
 * tracing suppressed. Series (time = ns since run start):
 *
 * - `system.cpuLoadPercent` (all cores, 0–100), `system.memoryUsedBytes`
 *   (MemTotal − MemAvailable), `system.diskReadBytesPerSec`,
 *   `system.diskWriteBytesPerSec` (physical block devices), `system.netReceivedBytesPerSec`,
 *   `system.netSentBytesPerSec` (all interfaces but `lo`);
 * - `process.rssBytes`, `process.heapUsedBytes`: this process, so the RSS peak
 *   of the run is visible over time;
 * - `gpu<N>.utilizationPercent`, `gpu<N>.memoryUsedBytes` when an NVIDIA GPU
 *   and `nvidia-smi` exist; no GPU means no such series, not an error.
 *
 * On Linux everything is read from procfs on kept descriptors (tens of µs per
 * tick), not through systeminformation, whose calls spawn shells (ms to
 * hundreds of ms). Elsewhere the sampler falls back to systeminformation's
 * `currentLoad()` and `mem()`. GPU: one `nvidia-smi --query-gpu … -lms` child
 * streams lines for the whole run (systeminformation's `graphics()` gets GPU
 * utilisation from nvidia-smi too, but spawns it per call). The sampler's
 * main-thread time is `overheadNs` (shown on the tree's root line).
 */
export class SystemSampler implements BackgroundSampler {
  readonly name = 'system';
  overheadNs = 0;
  readonly #intervalMs: number;
  readonly #gpu: boolean;
  readonly #series = new Map<string, SampleSeries>();
  #timer: NodeJS.Timeout | null = null;
  #originNs = 0;
  #files: { stat: ProcFile; meminfo: ProcFile; diskstats: ProcFile | null; netdev: ProcFile | null; statm: ProcFile | null } | null = null;
  #disks = new Set<string>();
  #pageBytes = 4096;
  #previous: Previous | null = null;
  #smi: ChildProcess | null = null;
  #smiBuffer = '';
  #fallbackBusy = false;

  constructor(options: SystemSamplerOptions = {}) {
    this.#intervalMs = options.intervalMs ?? 250;
    this.#gpu = options.gpu ?? true;
  }

  start(originNs: number): void {
    if (this.#timer !== null) return;
    const startNs = nowNs();
    this.#originNs = originNs;
    const stat = ProcFile.open('/proc/stat', 16384);
    const meminfo = ProcFile.open('/proc/meminfo', 8192);
    if (stat !== null && meminfo !== null) {
      this.#files = {
        stat,
        meminfo,
        diskstats: ProcFile.open('/proc/diskstats', 65536),
        netdev: ProcFile.open('/proc/net/dev', 65536),
        statm: ProcFile.open('/proc/self/statm', 256),
      };
      this.#disks = physicalDisks();
      if (this.#files.statm !== null) this.#pageBytes = statmPageBytes(this.#files.statm);
    }
    if (this.#gpu) suppressTracing(() => this.#startSmi());
    this.#timer = setInterval(() => this.#tick(), this.#intervalMs);
    this.#timer.unref();
    this.overheadNs += nowNs() - startNs;
    this.#tick();
  }

  stop(): void {
    if (this.#timer === null) return;
    const startNs = nowNs();
    clearInterval(this.#timer);
    this.#timer = null;
    this.#tick();
    if (this.#files !== null) {
      for (const file of Object.values(this.#files)) file?.close();
      this.#files = null;
    }
    if (this.#smi !== null) {
      this.#smi.kill();
      this.#smi = null;
    }
    this.overheadNs += nowNs() - startNs;
  }

  series(): SampleSeries[] {
    return [...this.#series.values()].filter((series) => series.points.length > 0);
  }

  #point(name: string, unit: string, atNs: number, value: number): void {
    let series = this.#series.get(name);
    if (series === undefined) this.#series.set(name, (series = { name, unit, points: [] }));
    pushPoint(series, atNs - this.#originNs, value);
  }

  #tick(): void {
    const startNs = nowNs();
    guarded('SS_SAMPLER_FAILED', 'system sampler', () => {
      if (this.#files !== null) this.#sampleProc(startNs);
      else this.#sampleFallback();
    });
    this.overheadNs += nowNs() - startNs;
  }

  #sampleProc(atNs: number): void {
    const files = this.#files!;
    const stat = files.stat.read() ?? '';
    // "cpu  user nice system idle iowait irq softirq steal guest guest_nice" (ticks)
    const cpu = stat.slice(0, stat.indexOf('\n')).trim().split(/\s+/).slice(1, 9).map(Number);
    const cpuTotal = cpu.reduce((sum, value) => sum + value, 0);
    const cpuBusy = cpuTotal - (cpu[3] ?? 0) - (cpu[4] ?? 0);
    const meminfo = files.meminfo.read() ?? '';
    const memTotalKiB = procField(meminfo, 'MemTotal:');
    const memAvailableKiB = procField(meminfo, 'MemAvailable:');
    if (memTotalKiB >= 0 && memAvailableKiB >= 0) this.#point('system.memoryUsedBytes', 'bytes', atNs, (memTotalKiB - memAvailableKiB) * 1024);
    const [diskReadBytes, diskWriteBytes] = parseDiskstats(files.diskstats?.read() ?? '', this.#disks);
    const [netReceivedBytes, netSentBytes] = parseNetDev(files.netdev?.read() ?? '');
    const previous = this.#previous;
    if (previous !== null) {
      const seconds = (atNs - previous.atNs) / 1e9;
      if (cpuTotal > previous.cpuTotal) this.#point('system.cpuLoadPercent', '%', atNs, (100 * (cpuBusy - previous.cpuBusy)) / (cpuTotal - previous.cpuTotal));
      if (seconds > 0) {
        this.#point('system.diskReadBytesPerSec', 'bytes/s', atNs, (diskReadBytes - previous.diskReadBytes) / seconds);
        this.#point('system.diskWriteBytesPerSec', 'bytes/s', atNs, (diskWriteBytes - previous.diskWriteBytes) / seconds);
        this.#point('system.netReceivedBytesPerSec', 'bytes/s', atNs, (netReceivedBytes - previous.netReceivedBytes) / seconds);
        this.#point('system.netSentBytesPerSec', 'bytes/s', atNs, (netSentBytes - previous.netSentBytes) / seconds);
      }
    }
    this.#previous = { atNs, cpuBusy, cpuTotal, diskReadBytes, diskWriteBytes, netReceivedBytes, netSentBytes };
    const statm = files.statm?.read();
    if (statm !== undefined && statm !== null) this.#point('process.rssBytes', 'bytes', atNs, Number(statm.split(' ')[1]) * this.#pageBytes);
    this.#point('process.heapUsedBytes', 'bytes', atNs, v8.getHeapStatistics().used_heap_size);
  }

  /** Not Linux: systeminformation (spawns shells; async, one tick at a time). Only its synchronous parts count as overhead. */
  #sampleFallback(): void {
    if (this.#fallbackBusy) return;
    this.#fallbackBusy = true;
    const atNs = nowNs();
    this.#point('process.rssBytes', 'bytes', atNs, process.memoryUsage.rss());
    this.#point('process.heapUsedBytes', 'bytes', atNs, v8.getHeapStatistics().used_heap_size);
    suppressTracing(() =>
      import('systeminformation')
        .then(async ({ default: si }) => {
          const [load, mem] = await Promise.all([si.currentLoad(), si.mem()]);
          const handleNs = nowNs();
          this.#point('system.cpuLoadPercent', '%', atNs, load.currentLoad);
          this.#point('system.memoryUsedBytes', 'bytes', atNs, mem.total - mem.available);
          this.overheadNs += nowNs() - handleNs;
        })
        .catch((error: unknown) => reportGuarded('SS_SAMPLER_FAILED', 'system sampler (systeminformation)', error))
        .finally(() => (this.#fallbackBusy = false)),
    );
  }

  #startSmi(): void {
    const smi = findOnPath(process.platform === 'win32' ? 'nvidia-smi.exe' : 'nvidia-smi');
    if (smi === null) return;
    const child = spawn(smi, ['--query-gpu=index,utilization.gpu,memory.used', '--format=csv,noheader,nounits', `-lms=${this.#intervalMs}`], {
      stdio: ['ignore', 'pipe', 'ignore'],
      windowsHide: true,
    });
    child.on('error', (error) => reportGuarded('SS_SAMPLER_FAILED', 'system sampler: nvidia-smi failed', error));
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => {
      const startNs = nowNs();
      this.#smiBuffer += chunk;
      let newline: number;
      while ((newline = this.#smiBuffer.indexOf('\n')) >= 0) {
        const sample = parseSmiLine(this.#smiBuffer.slice(0, newline));
        this.#smiBuffer = this.#smiBuffer.slice(newline + 1);
        if (sample === null) continue;
        this.#point(`gpu${sample.index}.utilizationPercent`, '%', startNs, sample.utilizationPercent);
        this.#point(`gpu${sample.index}.memoryUsedBytes`, 'bytes', startNs, sample.memoryUsedBytes);
      }
      this.overheadNs += nowNs() - startNs;
    });
    // the stream must never keep the traced script alive
    child.unref();
    (child.stdout as unknown as { unref?(): void } | null)?.unref?.();
    this.#smi = child;
  }
}

/** One `nvidia-smi --query-gpu=index,utilization.gpu,memory.used --format=csv,noheader,nounits` line. */
export function parseSmiLine(line: string): { index: number; utilizationPercent: number; memoryUsedBytes: number } | null {
  const fields = line.split(',').map((field) => Number(field.trim()));
  if (fields.length < 3 || fields.some((value) => !Number.isFinite(value))) return null;
  return { index: fields[0]!, utilizationPercent: fields[1]!, memoryUsedBytes: fields[2]! * 1024 * 1024 };
}

/** Sum of sectors read and written (×512 bytes, the unit of /proc/diskstats whatever the device) over `disks`. */
export function parseDiskstats(text: string, disks: ReadonlySet<string>): [number, number] {
  let readBytes = 0;
  let writeBytes = 0;
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 10 || !disks.has(fields[2]!)) continue;
    readBytes += Number(fields[5]) * 512;
    writeBytes += Number(fields[9]) * 512;
  }
  return [readBytes, writeBytes];
}

/** Bytes received and sent over every interface but loopback. */
export function parseNetDev(text: string): [number, number] {
  let receivedBytes = 0;
  let sentBytes = 0;
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon < 0 || line.slice(0, colon).trim() === 'lo') continue;
    const fields = line
      .slice(colon + 1)
      .trim()
      .split(/\s+/);
    if (fields.length < 9) continue;
    receivedBytes += Number(fields[0]);
    sentBytes += Number(fields[8]);
  }
  return [receivedBytes, sentBytes];
}

/** Block devices backed by hardware (`/sys/block/X/device` exists): not loop, ram, zram or device-mapper, which would count twice. */
function physicalDisks(): Set<string> {
  try {
    return new Set(readdirSync('/sys/block').filter((name) => existsSync(`/sys/block/${name}/device`)));
  } catch {
    return new Set();
  }
}

function findOnPath(command: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir === '') continue;
    const candidate = path.join(dir, command);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}
