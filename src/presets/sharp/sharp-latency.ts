import { attachFeatures } from '../providers.js';
import { PRESET_DEFINITIONS } from '../definitions.js';
import { Preset, type PresetOptions } from '../preset.js';

const DEFINITION = PRESET_DEFINITIONS.sharp;

/**
 * Latency of sharp image pipelines: every `toBuffer`, `toFile`, `toUint8Array`,
 * stream output, `metadata()` and `stats()`, as `preprocess` spans named after
 * the operations queued on the instance (`sharp.toBuffer resize(192x48) raw`),
 * with the input, resize kernel, crop region, rotation, flips and output format
 * as attributes. Patches both builds of sharp ≥ 0.35 (ESM and CJS) and sharp 0.33.
 * Targets: `PRESET_DEFINITIONS.sharp` (registry.ts).
 *
 * @example
 * import { SharpLatency } from 'stagescope';
 * await new SharpLatency().run('./thumbnails.mjs');
 */
export class SharpLatency extends Preset {
  constructor(options: PresetOptions = {}) {
    super(DEFINITION.name, DEFINITION.targetFiles, options);
    attachFeatures(this, DEFINITION, {}); // no feature options in PresetOptions
  }
}
