import { readFileSync } from 'node:fs';
import { presetDataDir, presetsDir } from '../paths.js';
import { resolveModelRule, type ModelStageRule } from './model-rules.js';
import { loadTargetFile } from './target-file.js';
import { resolveTargets, type ResolvedTarget } from './target.js';

/** One entry of a built-in list as `scripts/build-preset-data.mjs` writes it. */
interface BuiltInEntry {
  line: number;
  fieldLines: Record<string, number>;
  spec: unknown;
}

/**
 * A preset's built-in target list (`presets/<name>.yaml`), read from the JSON
 * made of it at build time (`build/presets/<name>.json`): no YAML parser on the
 * start-up path. Messages still name the YAML file and line. Without the data
 * file (a source checkout that was not built with `npm run build`) the YAML is
 * read as a user file would be.
 */
export function loadBuiltInTargets(fileName: string): { targets: ResolvedTarget[]; models: ModelStageRule[] } {
  // Joined by hand: both folders end with a separator and `fileName` is a
  // preset's own bare name. The process's first `path.join` (normalising the
  // whole path, character by character, in cold code) was 0.1 ms, and the
  // eight joins of the OCR preset's four lists 0.3–0.5 ms of its start-up
  // (Node 24, in-process start-up figure, 30 interleaved runs).
  const yamlPath = presetsDir + fileName;
  let data: { targets: BuiltInEntry[]; models?: BuiltInEntry[]; resolvedTargets?: ResolvedTarget[] };
  try {
    data = JSON.parse(readFileSync(presetDataDir + dataFileName(fileName), 'utf8')) as typeof data;
  } catch {
    const file = loadTargetFile(yamlPath, { optional: true });
    return { targets: file.targets, models: file.models };
  }
  const at =
    (entry: BuiltInEntry) =>
    (field: string | undefined): string =>
      `${yamlPath}:${(field === undefined ? undefined : entry.fieldLines[field]) ?? entry.line}`;
  return {
    // Resolved at build time (scripts/build-preset-data.mjs), their `source` ":<line>".
    targets:
      data.resolvedTargets?.map((target) => ({ ...target, source: `${yamlPath}${target.source}` })) ??
      data.targets.flatMap((entry) => resolveTargets(entry.spec, at(entry), { optional: true })),
    models: (data.models ?? []).map((entry) => resolveModelRule(entry.spec, at(entry))),
  };
}

/** `onnx.yaml` → `onnx.json` (string tests: no regular expression to compile at start-up). */
function dataFileName(yamlName: string): string {
  for (const extension of ['.yaml', '.yml']) if (yamlName.endsWith(extension)) return `${yamlName.slice(0, -extension.length)}.json`;
  return yamlName;
}
