/**
 * `stagescope run` in the CLI's own process: cli/main.ts imports this entry
 * (bundled, like the `--import` entries, by scripts/bundle-register.mjs) and
 * calls {@link runFromCli}. The run's flags are parsed by the runtime itself,
 * compiled from V8's code cache, so the CLI's own modules (build/src, ~20 ms
 * to load) are not on the start-up path of a traced script. The start-up
 * figure starts earlier, at the CLI's first statement (cli/main.ts).
 */
import type { CliRunOutcome } from './cli-run-mode.js';
import { cacheKeyOf, loadRuntime, runtimeStarted } from './load-runtime.js';

export async function runFromCli(argv: string[]): Promise<CliRunOutcome> {
  const outcome = (await loadRuntime(cacheKeyOf(presetArgument(argv)))).runCliHere(argv);
  if (outcome.started) runtimeStarted();
  return outcome;
}

/**
 * The `--preset` the command line names, read before the runtime (which parses
 * and checks it) is loaded: it only picks the code cache file.
 */
function presetArgument(argv: readonly string[]): string | undefined {
  let preset: string | undefined;
  for (let index = 0; index < argv.length && argv[index] !== '--'; index += 1) {
    const arg = argv[index]!;
    if (arg === '--preset') preset = argv[index + 1];
    else if (arg.startsWith('--preset=')) preset = arg.slice('--preset='.length);
  }
  return preset;
}
