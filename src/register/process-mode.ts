import path from 'node:path';
import { storage } from '../core/context.js';
import type { Span } from '../core/span.js';
import { watchLifecycle } from '../driver/lifecycle.js';
import { loadedMainExports, parseCallMain, shouldCallMain } from '../driver/main-export.js';
import type { Preset, PresetOptions } from '../presets/preset.js';
import { createPreset } from '../presets/registry.js';
import { parseProbeList } from '../probes/registry.js';
import { callGraphOptionsFromStrings } from '../render/call-graph/cli-options.js';
import { parseMinDuration } from '../render/min-duration.js';

/**
 * `node --import stagescope/register/<preset> script.mjs`: trace the whole process.
 * Options come from the environment (the CLI sets them for its child process):
 *
 *   STAGESCOPE_PRESET     preset name (register/<name> sets it)
 *   STAGESCOPE_TARGETS    extra target files, separated by the path delimiter (":")
 *   STAGESCOPE_JSON       write the run document here
 *   STAGESCOPE_QUIET=1    do not print the tree
 *   STAGESCOPE_MAX_SPANS  ring buffer size
 *   STAGESCOPE_MAX_OVERHEAD_PCT  overhead budget in percent, or "off" (default 1)
 *   STAGESCOPE_SVG        write the call-graph SVG here (after the run drains; not on process.exit)
 *   STAGESCOPE_GANTT      write the Gantt chart SVG here
 *   STAGESCOPE_TRACE      write the Chrome/Perfetto trace JSON here
 *   STAGESCOPE_COMPACT=1  fold repeated siblings in the printed tree
 *   STAGESCOPE_PROBES     probes, comma-separated (memory,cpu,disk,network,eventloop,gc,system, all)
 *   STAGESCOPE_MAX_NODES  call graph: nodes before small ones are merged (default 40)
 *   STAGESCOPE_HIGHLIGHT  call graph: highlight the node with the most "self" (default) or "total" time
 *   STAGESCOPE_HIGHLIGHT_EXCLUDE  call graph: stages never highlighted, comma-separated (e.g. load)
 *   STAGESCOPE_MIN_DURATION  hide spans shorter than this in the tree and pictures (1ms, 5%)
 *   STAGESCOPE_HANDOFF_JSON  the CLI's copy of the run document (it draws the call graph from it)
 */
export function optionsFromEnv(env: NodeJS.ProcessEnv = process.env): PresetOptions {
  const options: PresetOptions = {};
  const targets = env.STAGESCOPE_TARGETS?.split(path.delimiter).filter((entry) => entry !== '');
  if (targets !== undefined && targets.length > 0) options.targets = targets;
  if (env.STAGESCOPE_JSON !== undefined && env.STAGESCOPE_JSON !== '') options.json = env.STAGESCOPE_JSON;
  if (env.STAGESCOPE_QUIET === '1' || env.STAGESCOPE_QUIET === 'true') options.quiet = true;
  if (env.STAGESCOPE_MAX_SPANS !== undefined && env.STAGESCOPE_MAX_SPANS !== '') {
    options.maxSpans = Number(env.STAGESCOPE_MAX_SPANS);
  }
  if (env.STAGESCOPE_PROBES !== undefined && env.STAGESCOPE_PROBES !== '') options.probes = parseProbeList(env.STAGESCOPE_PROBES, 'STAGESCOPE_PROBES');
  for (const [key, option] of [['STAGESCOPE_SVG', 'svg'], ['STAGESCOPE_GANTT', 'gantt'], ['STAGESCOPE_TRACE', 'trace']] as const) {
    const file = env[key];
    if (file !== undefined && file !== '') options[option] = file;
  }
  if (env.STAGESCOPE_COMPACT === '1' || env.STAGESCOPE_COMPACT === 'true') options.compact = true;
  if (env.STAGESCOPE_MIN_DURATION !== undefined && env.STAGESCOPE_MIN_DURATION !== '') options.minDuration = parseMinDuration(env.STAGESCOPE_MIN_DURATION, 'STAGESCOPE_MIN_DURATION');
  if (env.STAGESCOPE_HANDOFF_JSON !== undefined && env.STAGESCOPE_HANDOFF_JSON !== '') options.handoffJson = env.STAGESCOPE_HANDOFF_JSON;
  const callGraph = callGraphOptionsFromStrings({ maxNodes: env.STAGESCOPE_MAX_NODES, highlight: env.STAGESCOPE_HIGHLIGHT, highlightExclude: env.STAGESCOPE_HIGHLIGHT_EXCLUDE }, 'STAGESCOPE_');
  if (Object.keys(callGraph).length > 0) options.callGraph = callGraph;
  const budget = env.STAGESCOPE_MAX_OVERHEAD_PCT;
  if (budget !== undefined && budget !== '') {
    const pct = budget === 'off' ? Infinity : Number(budget);
    if (!(pct > 0)) throw new Error(`stagescope: STAGESCOPE_MAX_OVERHEAD_PCT must be a positive number (percent) or "off", got "${budget}"`);
    options.maxOverheadPct = pct;
  }
  return options;
}

export function startProcessMode(presetName: string): void {
  let preset: Preset;
  try {
    preset = createPreset(presetName, optionsFromEnv());
  } catch (error) {
    // A bad option must not silently run the script untraced.
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(2);
  }
  const script = process.argv[1];
  preset.start(process.argv.slice(1).map((arg, index) => (index === 0 ? path.relative(process.cwd(), arg) || arg : arg)), script === undefined ? undefined : path.dirname(path.resolve(script)));
  process.on('uncaughtExceptionMonitor', (error) => preset.setError(error));
  const root = preset.root!;
  const scriptPath = script === undefined ? undefined : path.resolve(script);
  let mainChecked = scriptPath === undefined || !shouldCallMain(parseCallMain(process.env.STAGESCOPE_CALL_MAIN), scriptPath);
  watchLifecycle({
    onDrained: () => {
      if (!mainChecked) {
        // First drain: the script's top level is done; run its exported main, if any.
        mainChecked = true;
        void callExportedMain(scriptPath!, root, (error) => {
          preset.setError(error);
          process.exitCode = 1;
          setImmediate(() => {
            throw error; // Node reports it exactly as it would an uncaught error of the script
          });
        });
        return false;
      }
      preset.finish(typeof process.exitCode === 'number' ? process.exitCode : 0);
      // The call graph needs Graphviz's async wasm load: done now, after the run
      // (so it is not in the run's timings); this keeps the loop alive until written.
      void preset.savePendingOutputs();
      return true;
    },
    onExit: (code) => {
      preset.finish(code);
      preset.abandonPendingOutputs('the process exited (process.exit, a signal or a crash) before Graphviz could load; save the run with --json and draw it with `stagescope render run.json --svg FILE`');
    },
  });
}

async function callExportedMain(scriptPath: string, root: Span, onError: (error: unknown) => void): Promise<void> {
  try {
    const exports = await loadedMainExports(scriptPath);
    const main = exports?.main;
    if (typeof main !== 'function') return;
    await storage.run(root, () => Reflect.apply(main, exports, [process.argv.slice(2)]));
  } catch (error) {
    onError(error);
  }
}
