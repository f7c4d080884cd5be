import { StagescopeError } from './errors.js';

/**
 * A usage or configuration error (code `SS_ERR_USAGE`): the CLI prints it as one
 * message and exits with code 2. Also thrown by `launch/spawn-traced.ts` (and so
 * by `benchScript`) when a traced run's options are unusable.
 */
export class CliError extends StagescopeError {
  override readonly name = 'CliError';
  constructor(message: string, options?: ErrorOptions) {
    super('SS_ERR_USAGE', message, options);
  }
}

/** node:util parseArgs' own errors: a usage mistake like ours, told by their code. */
const PARSE_ARGS_CODES: ReadonlySet<unknown> = new Set(['ERR_PARSE_ARGS_UNKNOWN_OPTION', 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE']);

/**
 * How the CLI reports an error that ended a command: ours and parseArgs' as
 * one line without a stack, with the exit code the error's code gives;
 * anything else is a bug: the stack, exit code 1. Shared by cli/main.ts and
 * the CLI's run in its own process (register/cli-run-mode.ts, in the runtime
 * bundle, whose StagescopeError is its own copy of the class).
 */
export function describeCliFailure(error: unknown): { text: string; exitCode: number } {
  if (error instanceof StagescopeError) return { text: `stagescope: ${error.detail}\n`, exitCode: error.exitCode };
  if (error instanceof Error && PARSE_ARGS_CODES.has((error as NodeJS.ErrnoException).code)) return { text: `stagescope: ${error.message}\n`, exitCode: 2 };
  return { text: `stagescope: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`, exitCode: 1 };
}
