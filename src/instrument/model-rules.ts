import path from 'node:path';
import { isStage, STAGES, type Stage } from '../core/types.js';
import { describeValue } from '../core/bad-value.js';
import { hookState } from './hook-scope.js';
import { TargetError } from './target.js';
import { stageFromModelName } from './model-stage.js';

/**
 * `models:` rules: which stage a model plays, by a glob on its file name, for
 * models the built-in guesses do not know (`plate-detector-v3.onnx`, `best.onnx`).
 *
 * @example
 * models:
 *   - { match: 'plate-detector*.onnx', stage: detection }
 */
export interface ModelStageSpec {
  /** Glob on the model's file name (no folders): `*` any characters, `?` one, `[abc]` one of. Case-insensitive. */
  match: string;
  stage: Stage;
}

/** A validated rule, with where it was written for messages. */
export interface ModelStageRule extends ModelStageSpec {
  readonly pattern: RegExp;
  /** `targets.yaml:7` or `options.models[0]`. */
  readonly source: string;
}

const KNOWN_FIELDS = ['match', 'stage'];

/**
 * Check one raw `models:` entry (from any target-file format or the preset
 * option) and compile it. `location(field)` names the file and line of that
 * field. Throws TargetError naming the field and the fix.
 */
export function resolveModelRule(raw: unknown, location: string | ((field: string | undefined) => string)): ModelStageRule {
  const at = typeof location === 'string' ? () => location : location;
  const where = at(undefined);
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new TargetError(`${where}: a models entry must be an object like { match: 'plate-detector*.onnx', stage: detection }, got ${describeValue(raw)}`);
  }
  const entry = raw as Record<string, unknown>;
  for (const key of Object.keys(entry)) {
    if (!KNOWN_FIELDS.includes(key)) throw new TargetError(`${at(key)}: unknown field "${key}" in a models entry (known: ${KNOWN_FIELDS.join(', ')})`);
  }
  const match = entry.match;
  if (typeof match !== 'string' || match.trim() === '') {
    throw new TargetError(
      `${at('match')}: field "match" is required: a glob on the model's file name, e.g. 'plate-detector*.onnx', got ${describeValue(match)}`,
    );
  }
  if (/[/\\]/.test(match)) {
    throw new TargetError(
      `${at('match')}: field "match": ${JSON.stringify(match)} has a folder in it; the glob is matched against the model's file name only (e.g. 'plate-detector*.onnx')`,
    );
  }
  const stage = entry.stage;
  if (!isStage(stage)) {
    throw new TargetError(`${at('stage')}: field "stage": ${describeValue(stage)} is not a stage (one of ${STAGES.join(', ')})`);
  }
  let pattern: RegExp;
  try {
    pattern = globToRegExp(match.trim());
  } catch (error) {
    throw new TargetError(
      `${at('match')}: field "match": ${JSON.stringify(match)} is not a valid glob (${error instanceof Error ? error.message : String(error)})`,
    );
  }
  return { match: match.trim(), stage, pattern, source: where };
}

/** `*` → any run of characters, `?` → one, `[…]` kept as a class; everything else literal. */
export function globToRegExp(glob: string): RegExp {
  let source = '';
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i]!;
    if (ch === '*') source += '.*';
    else if (ch === '?') source += '.';
    else if (ch === '[') {
      const close = glob.indexOf(']', i + 2);
      if (close < 0) throw new Error('unclosed "["');
      const body = glob
        .slice(i + 1, close)
        .replace(/^!/, '^')
        .replace(/\\/g, '\\\\');
      source += `[${body}]`;
      i = close;
    } else source += ch.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 'i');
}

/**
 * A preset's model rules (option `models`, then its target files' `models:`),
 * kept in its hook scope: the onnx and tfjs hooks read them through
 * `call.scope.state(MODEL_RULES)`, so two presets in one process each use
 * their own. The preset fills the list when it is made.
 */
export const MODEL_RULES = hookState<ModelStageRule[]>('model-rules', () => []);

/**
 * The stage of a model, from its name or path: the first `models:` rule whose
 * glob matches the file name, else the built-in guess, else null. Called once
 * per model (session creation, model load), not per run.
 */
export function resolveModelStage(name: string, rules: readonly ModelStageRule[] = []): Stage | null {
  if (rules.length > 0) {
    const file = path.basename(name);
    for (const rule of rules) if (rule.pattern.test(file)) return rule.stage;
  }
  return stageFromModelName(name);
}
