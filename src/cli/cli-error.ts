import { StagescopeError } from '../core/errors.js';

/** A usage or configuration error (code `SS_ERR_USAGE`): printed as one message, exit code 2. */
export class CliError extends StagescopeError {
  override readonly name = 'CliError';
  constructor(message: string, options?: ErrorOptions) {
    super('SS_ERR_USAGE', message, options);
  }
}
