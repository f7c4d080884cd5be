import type { OptionRow } from './option-row.js';
import { optionRows, type RunSettings } from './run-options.js';

/**
 * Settings as environment variables: how `stagescope run` hands them to the
 * traced process, and how `node --import stagescope/register…` (process mode)
 * reads them. Both directions use the option table's rows, so what one writes
 * the other reads.
 */

/** The `STAGESCOPE_*` variables for these settings (files made absolute). Settings without a variable are left out. */
export function envFromSettings(settings: RunSettings): Record<string, string> {
  const env: Record<string, string> = {};
  const values = settings as Record<string, unknown>;
  for (const [key, row] of optionRows()) {
    const value = values[key];
    if (row.env !== undefined && value !== undefined) env[row.env] = row.type.format(value);
  }
  return env;
}

/** Every setting the environment gives; a bad value throws, naming its variable. */
export function settingsFromEnv(env: NodeJS.ProcessEnv = process.env): RunSettings {
  const settings: Record<string, unknown> = {};
  for (const [key, row] of optionRows()) {
    const value = settingFromEnv(row, env);
    if (value !== undefined) settings[key] = value;
  }
  return settings as RunSettings;
}

/** One setting from the environment; unset or empty is no setting. */
export function settingFromEnv<T>(row: OptionRow<T>, env: NodeJS.ProcessEnv = process.env): T | undefined {
  const text = row.env === undefined ? undefined : env[row.env];
  return text === undefined || text === '' ? undefined : row.type.parse(text, row.env!);
}
