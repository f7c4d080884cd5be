/** A usage or configuration error: printed as one message, exit code 2. */
export class CliError extends Error {
  override readonly name = 'CliError';
}
