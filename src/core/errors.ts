import { ERROR_CODES, type ErrorCode } from './codes.js';

const MESSAGE_PREFIX = 'stagescope: ';

export interface StagescopeErrorOptions extends ErrorOptions {
  /**
   * Start the message with `stagescope: ` (default false): for errors an
   * application sees without context, such as an unknown preset name. The CLI
   * prints {@link StagescopeError.detail} under its own prefix either way.
   */
  prefixed?: boolean;
}

/**
 * The base of every error stagescope throws on purpose: bad configuration, a
 * bad target file, a file that is not a run document. `code` is one of the
 * documented `SS_ERR_*` codes ({@link ERROR_CODES}); branch on it (or on the
 * subclass), never on the message text. Problems while tracing are not thrown:
 * they are diagnostics (see `reportDiagnostic`).
 *
 * @example
 * try {
 *   createPreset(name);
 * } catch (error) {
 *   if (error instanceof StagescopeError && error.code === 'SS_ERR_PRESET_UNKNOWN') showPresetList();
 *   else throw error;
 * }
 */
export class StagescopeError extends Error {
  override readonly name: string = 'StagescopeError';
  readonly code: ErrorCode;
  readonly #detail: string;

  constructor(code: ErrorCode, detail: string, options?: StagescopeErrorOptions) {
    super(options?.prefixed === true ? `${MESSAGE_PREFIX}${detail}` : detail, options);
    this.code = code;
    this.#detail = detail;
  }

  /** The message without the `stagescope: ` prefix, for a caller that adds its own (the CLI). */
  get detail(): string {
    return this.#detail;
  }

  /** The CLI's exit code when this error ends a command: 2 for a usage or configuration mistake, 1 for a failed run. */
  get exitCode(): 1 | 2 {
    return ERROR_CODES[this.code].exitCode;
  }
}

/**
 * An option (or its `STAGESCOPE_` environment variable) has a value it does not
 * accept: code `SS_ERR_OPTION_INVALID`, message `stagescope: ${detail}`. The
 * detail names the option as the user wrote it and what it accepts.
 */
export function optionError(detail: string, options?: ErrorOptions): StagescopeError {
  return new StagescopeError('SS_ERR_OPTION_INVALID', detail, { ...options, prefixed: true });
}

/**
 * A run or bench document cannot be read, is not JSON, or is not valid:
 * code `SS_ERR_DOCUMENT_INVALID`. The detail names the file (and the span or
 * field) and says what was expected.
 */
export function documentError(detail: string, options?: ErrorOptions): StagescopeError {
  return new StagescopeError('SS_ERR_DOCUMENT_INVALID', detail, options);
}
