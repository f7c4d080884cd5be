/**
 * The CLI's first module (main.ts imports it before anything else, and ES
 * modules run in import order): `stagescope run` traces the script in this
 * process, so the root line's start-up figure starts here, with loading the
 * CLI and checking its options, not when the register entry loads.
 * Harmless for the other commands, and for a run in a child process (whose
 * figure starts at its own `--import` entry).
 */
import { markStartup } from '../register/startup-mark.js';

markStartup();
