import type { SpanProbe } from '../core/probe.js';
import { guarded } from '../core/guarded.js';
import type { RunDocument } from '../core/run-document.js';
import type { Span } from '../core/span.js';
import { hasBackgroundCost, type BackgroundSampler } from './background-sampler.js';
import type { ResolvedProbes } from './registry.js';

/**
 * The run-level lifecycle of a preset's probes: activate per-span probes'
 * subscriptions and start background samplers when the run starts; stop them
 * when it ends; put the samples and the samplers' own cost into the run
 * document. Failures are reported as diagnostics, never thrown into the run.
 */
export class ProbeSession {
  readonly spanProbes: readonly SpanProbe[];
  readonly samplers: readonly BackgroundSampler[];
  #running = false;

  constructor(probes: ResolvedProbes) {
    this.spanProbes = probes.spanProbes;
    this.samplers = probes.samplers;
  }

  /** True when any probe or sampler is configured (the tree then shows probe values). */
  get enabled(): boolean {
    return this.spanProbes.length > 0 || this.samplers.length > 0;
  }

  /** Activate probes and start samplers for the run whose root span is `root`. */
  start(root: Span): void {
    if (this.#running || !this.enabled) return;
    this.#running = true;
    for (const probe of this.spanProbes) {
      guarded('SS_PROBE_FAILED', `probe "${probe.name}" activate failed`, () => probe.activate?.());
      // probes that credit work done outside any span (network) credit it to the run
      if ('fallbackSpan' in probe) (probe as { fallbackSpan: Span | null }).fallbackSpan = root;
    }
    for (const sampler of this.samplers) guarded('SS_PROBE_FAILED', `sampler "${sampler.name}" start failed`, () => sampler.start(root.startNs));
  }

  /** Deactivate probes and stop samplers. Call after the root span has ended. */
  stop(): void {
    if (!this.#running) return;
    this.#running = false;
    for (const probe of this.spanProbes) {
      guarded('SS_PROBE_FAILED', `probe "${probe.name}" deactivate failed`, () => probe.deactivate?.());
      if ('fallbackSpan' in probe) (probe as { fallbackSpan: Span | null }).fallbackSpan = null;
    }
    for (const sampler of this.samplers) guarded('SS_PROBE_FAILED', `sampler "${sampler.name}" stop failed`, () => sampler.stop());
  }

  /**
   * Add `samples` and `samplerOverheadNs` (samplers plus probes' background
   * handlers: GC observer, network channels) to the document; the latter only
   * when some probe or sampler works in the background.
   */
  attach(doc: RunDocument): void {
    if (!this.enabled) return;
    let overheadNs = 0;
    let background = this.samplers.length > 0;
    const samples = [];
    for (const sampler of this.samplers) {
      overheadNs += sampler.overheadNs;
      samples.push(...sampler.series());
    }
    for (const probe of this.spanProbes) {
      if (!hasBackgroundCost(probe)) continue;
      background = true;
      overheadNs += probe.backgroundOverheadNs;
    }
    // probes that only work inside spans (memory, cpu, disk, eventloop) have no background cost to show
    if (background) doc.samplerOverheadNs = Math.round(overheadNs);
    if (samples.length > 0) doc.samples = samples;
  }
}
