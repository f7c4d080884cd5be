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
