import { readFileSync } from 'node:fs';
import path from 'node:path';
import { storage } from '../core/context.js';
import { reportDiagnostic } from '../core/diagnostics.js';
import type { Span } from '../core/span.js';
import { saveRunSnapshot, uncaughtMayEndSilently } from '../driver/crash-snapshot.js';
import { watchLifecycle } from '../driver/lifecycle.js';
import { watchParentLink } from '../driver/parent-link.js';
import { loadedMainExports, parseCallMain, shouldCallMain, sourceDeclaresMain } from '../driver/main-export.js';
import type { Preset, PresetOptions } from '../presets/preset.js';
import { createPreset } from '../presets/registry.js';
import { parseProbeList } from '../probes/probe-names.js';
import { isMainThread } from 'node:worker_threads';
import { createRequire } from 'node:module';
import { REACH_ENV } from '../reach/link.js';
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
 *   STAGESCOPE_SVG        write the call-graph SVG here
 *   STAGESCOPE_GANTT      write the Gantt chart SVG here
 *   STAGESCOPE_TRACE      write the Chrome/Perfetto trace JSON here
 *   STAGESCOPE_COMPACT=1  fold repeated siblings in the printed tree
 *   STAGESCOPE_PROBES     probes, comma-separated (memory,cpu,disk,network,eventloop,gc,system, all)
 *   STAGESCOPE_CALL_MAIN=1  call the script's exported main(argv) after its top level ran
 *                         (default: only when certain the script does not start main itself)
 *   STAGESCOPE_PARENT_FD  fd of the CLI's control pipe (set by `stagescope run`; see driver/parent-link.ts)
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
  for (const [key, option] of [
    ['STAGESCOPE_SVG', 'svg'],
    ['STAGESCOPE_GANTT', 'gantt'],
    ['STAGESCOPE_TRACE', 'trace'],
  ] as const) {
    const file = env[key];
    if (file !== undefined && file !== '') options[option] = file;
  }
  if (env.STAGESCOPE_COMPACT === '1' || env.STAGESCOPE_COMPACT === 'true') options.compact = true;
  if (env.STAGESCOPE_MIN_DURATION !== undefined && env.STAGESCOPE_MIN_DURATION !== '')
    options.minDuration = parseMinDuration(env.STAGESCOPE_MIN_DURATION, 'STAGESCOPE_MIN_DURATION');
  if (env.STAGESCOPE_HANDOFF_JSON !== undefined && env.STAGESCOPE_HANDOFF_JSON !== '') options.handoffJson = env.STAGESCOPE_HANDOFF_JSON;
  const callGraph = callGraphOptionsFromStrings(
    { maxNodes: env.STAGESCOPE_MAX_NODES, highlight: env.STAGESCOPE_HIGHLIGHT, highlightExclude: env.STAGESCOPE_HIGHLIGHT_EXCLUDE },
    'STAGESCOPE_',
  );
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
  // A Worker or child process of a traced run: traced for that run, never printing its own tree.
  // Only a worker or a child of a traced run loads the linked mode (start-up cost otherwise).
  if ((!isMainThread || process.env[REACH_ENV] !== undefined) && linkedMode().startLinkedModeIfLinked()) return;
  let preset: Preset;
  let options: PresetOptions;
  try {
    options = optionsFromEnv();
    preset = createPreset(presetName, options);
  } catch (error) {
    // A bad option must not silently run the script untraced.
    const message = error instanceof Error ? error.message : String(error);
    const targets = process.env.STAGESCOPE_TARGETS;
    // Errors that are not ours (the YAML parser refusing an alias bomb) get the context they lack.
    const context = message.startsWith('stagescope:')
      ? ''
      : `stagescope: cannot start the ${presetName} preset${targets === undefined || targets === '' ? '' : ` (target files: ${targets})`}: `;
    process.stderr.write(`${context}${message}\n`);
    process.exit(2);
  }
  const script = process.argv[1];
  const command = process.argv.slice(1).map((arg, index) => (index === 0 ? path.relative(process.cwd(), arg) || arg : arg));
  preset.start(command, script === undefined ? undefined : path.dirname(path.resolve(script)));
  const json = options.json;
  process.on('uncaughtExceptionMonitor', (error) => {
    preset.setError(error);
    // A listener that rethrows kills the process with exit code 7 and no `exit` event.
    if (json !== undefined && uncaughtMayEndSilently()) saveRunSnapshot(preset, command, json, error);
  });
  const root = preset.root!;
  const scriptPath = script === undefined ? undefined : path.resolve(script);
  const callMain = scriptPath !== undefined && shouldCallMain(parseCallMain(process.env.STAGESCOPE_CALL_MAIN), scriptPath);
  let mainChecked = !callMain;
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
      if (!callMain && scriptPath !== undefined && preset.tracer.recorder.size <= 1 && declaresMain(scriptPath)) {
        reportDiagnostic(
          'SS_MAIN_NOT_CALLED',
          'the script declares main() and nothing was traced; stagescope does not call main unless asked (it may run your pipeline twice otherwise): pass --call-main (STAGESCOPE_CALL_MAIN=1) if the script only exports it',
        );
      }
      // Synchronous only (pictures too, see write-outputs.ts): async work here would
      // make Node emit beforeExit again and run the app's own listeners twice.
      preset.finish(typeof process.exitCode === 'number' ? process.exitCode : 0);
      return true;
    },
    onExit: (code) => {
      preset.finish(code);
    },
  });
  // Read once and removed: the script's own child processes inherit the environment,
  // and their fd 3 may be something else entirely (an IPC channel).
  const parentFd = process.env.STAGESCOPE_PARENT_FD;
  delete process.env.STAGESCOPE_PARENT_FD;
  if (parentFd !== process.env.NODE_CHANNEL_FD) watchParentLink(parentFd);
}

/** Does the script's source declare a function named main (for the hint when it was not called)? */
function declaresMain(scriptPath: string): boolean {
  try {
    return sourceDeclaresMain(readFileSync(scriptPath, 'utf8'));
  } catch {
    return false;
  }
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

function linkedMode(): typeof import('../reach/linked-mode.js') {
  return createRequire(import.meta.url)('../reach/linked-mode.js') as typeof import('../reach/linked-mode.js');
}
