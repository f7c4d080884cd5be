import { isStage, STAGES, type Stage } from '../../core/types.js';
import type { DotOptions } from './dot.js';
import { optionError } from '../../core/errors.js';

/** Call-graph settings as the CLI and the environment give them: strings, possibly absent. */
export interface CallGraphOptionStrings {
  maxNodes?: string | undefined;
  highlight?: string | undefined;
  highlightExclude?: string | undefined;
}

/**
 * Parse `--max-nodes`, `--highlight`, `--highlight-exclude` (or their
 * `STAGESCOPE_` environment forms): a bad value throws a `StagescopeError`
 * (`SS_ERR_OPTION_INVALID`) whose message names the option as the user wrote
 * it and the values it accepts.
 *
 * @example callGraphOptionsFromStrings({ maxNodes: '200', highlightExclude: 'load' }, '--')
 */
export function callGraphOptionsFromStrings(values: CallGraphOptionStrings, style: '--' | 'STAGESCOPE_'): DotOptions {
  const name = (option: string): string => (style === '--' ? `--${option}` : `STAGESCOPE_${option.toUpperCase().replace(/-/g, '_')}`);
  const options: DotOptions = {};
  if (values.maxNodes !== undefined && values.maxNodes !== '') {
    const maxNodes = Number(values.maxNodes);
    if (!(Number.isInteger(maxNodes) && maxNodes >= 2))
      throw optionError(`${name('max-nodes')} must be an integer ≥ 2 (call-graph nodes before small ones are merged), got "${values.maxNodes}"`);
    options.maxNodes = maxNodes;
  }
  if (values.highlight !== undefined && values.highlight !== '') {
    if (values.highlight !== 'self' && values.highlight !== 'total')
      throw optionError(
        `${name('highlight')} must be "self" (most time in the node itself) or "total" (most time with its children), got "${values.highlight}"`,
      );
    options.highlight = values.highlight;
  }
  if (values.highlightExclude !== undefined && values.highlightExclude !== '') {
    const stages: Stage[] = [];
    for (const entry of values.highlightExclude
      .split(',')
      .map((part) => part.trim())
      .filter((part) => part !== '')) {
      if (!isStage(entry)) throw optionError(`${name('highlight-exclude')}: unknown stage "${entry}" (stages: ${STAGES.join(', ')})`);
      stages.push(entry);
    }
    options.highlightExclude = stages;
  }
  return options;
}
