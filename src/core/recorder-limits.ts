/*
 * The recorder's default size on its own: the option table reads it in the
 * CLI's parent process, which must not load the recorder for a number.
 */

/** Spans kept by default (the ring's size). */
export const DEFAULT_MAX_SPANS = 100_000;
