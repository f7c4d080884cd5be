import type { DotOptions } from '../render/call-graph/dot.js';
import { callGraphOptionsFromStrings } from '../render/call-graph/cli-options.js';
import { parseMinDuration, type MinDuration } from '../render/min-duration.js';

/**
 * The picture flags `run` and `render` share, parsed once; a bad value throws a
 * StagescopeError (`SS_ERR_OPTION_INVALID`) naming the flag, which main.ts
 * prints as a usage error (exit code 2).
 */
export function pictureArgs(values: {
  'max-nodes'?: string | undefined;
  highlight?: string | undefined;
  'highlight-exclude'?: string | undefined;
  'min-duration'?: string | undefined;
}): { callGraph: DotOptions; minDuration: MinDuration | undefined } {
  return {
    callGraph: callGraphOptionsFromStrings({ maxNodes: values['max-nodes'], highlight: values.highlight, highlightExclude: values['highlight-exclude'] }, '--'),
    minDuration: values['min-duration'] === undefined ? undefined : parseMinDuration(values['min-duration'], '--min-duration'),
  };
}
