import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import type { Node as YamlNode } from 'yaml';
import { jsonLines, type JsonLines } from './json-lines.js';
import { resolveModelRule, type ModelStageRule } from './model-rules.js';
import { resolveTargets, TargetError, type ResolvedTarget } from './target.js';

/**
 * Target files: JSON, YAML or CSV. Every entry keeps its line for error
 * messages: YAML through the YAML parser, JSON through JSON.parse and a scan
 * for lines (json-lines.ts), falling back to the YAML parser (JSON is YAML 1.2)
 * for any file it would refuse, so messages are the same either way.
 *
 * YAML/JSON: a list of targets, or an object with a `targets:` list (preset files
 * add `preset:`, the preset or list of presets that load the file, and `description:`; any file may add a `models:` list of
 * `{ match: '<glob on the model file name>', stage: <stage> }`). CSV: a header row naming the fields
 * (`module,export,name,stage,hook,callback`), one target per row.
 */
export interface TargetFile {
  path: string;
  /** The `preset:` header as a list (the built-in presets that load this file; see presets/registry.ts). */
  presets?: string[];
  description?: string;
  targets: ResolvedTarget[];
  /** `models:` rules (model file name glob → stage), in file order. */
  models: ModelStageRule[];
}

export function loadTargetFile(filePath: string, defaults: { optional?: boolean } = {}): TargetFile {
  let text: string;
  try {
    text = readFileSync(filePath, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new TargetError(`${filePath}: cannot read target file (${code ?? String(error)})`);
  }
  return parseTargetFile(text, filePath, defaults);
}

export function parseTargetFile(text: string, filePath: string, defaults: { optional?: boolean } = {}): TargetFile {
  const ext = path.extname(filePath).toLowerCase();
  if (ext === '.csv') return { path: filePath, targets: parseCsv(text, filePath, defaults), models: [] };
  if (ext !== '.json' && ext !== '.yaml' && ext !== '.yml') {
    throw new TargetError(`${filePath}: unknown target file type "${ext}" (use .json, .yaml, .yml or .csv)`);
  }
  if (ext === '.json') {
    const file = parseJsonTargetFile(text, filePath, defaults);
    if (file !== undefined) return file;
  }
  const { isMap, isSeq, LineCounter, parseDocument } = yamlParser();
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const firstError = doc.errors[0];
  if (firstError !== undefined) {
    const line = lineCounter.linePos(firstError.pos[0]).line;
    throw new TargetError(`${filePath}:${line}: not valid ${ext === '.json' ? 'JSON' : 'YAML'}: ${firstError.message.split('\n')[0]}`);
  }
  const lineOf = (node: YamlNode | null | undefined): number => (node?.range ? lineCounter.linePos(node.range[0]).line : 1);
  let list = doc.contents as YamlNode | null;
  const file: TargetFile = { path: filePath, targets: [], models: [] };
  if (isMap(list)) {
    const top = doc.toJS() as Record<string, unknown>;
    for (const key of Object.keys(top)) {
      if (!['targets', 'preset', 'description', 'models'].includes(key)) {
        throw new TargetError(
          `${filePath}:${lineOf(list.get(key, true) as YamlNode)}: unknown top-level field "${key}" (expected targets, preset, description, models)`,
        );
      }
    }
    const models = list.get('models', true) as YamlNode | null | undefined;
    if (models !== undefined && models !== null) {
      if (!isSeq(models)) throw new TargetError(`${filePath}:${lineOf(models)}: "models:" must be a list of { match: '<glob>', stage: <stage> } entries`);
      for (const item of models.items) file.models.push(resolveModelRule(plainValue(item as YamlNode), fieldLocation(item as YamlNode, filePath, lineOf)));
    }
    if (typeof top.preset === 'string') file.presets = [top.preset];
    else if (Array.isArray(top.preset) && top.preset.every((name) => typeof name === 'string')) file.presets = top.preset as string[];
    else if (top.preset !== undefined)
      throw new TargetError(`${filePath}:${lineOf(list.get('preset', true) as YamlNode)}: "preset:" must be a preset name or a list of names`);
    if (typeof top.description === 'string') file.description = top.description;
    list = list.get('targets', true) as YamlNode | null;
    if (list === undefined || list === null) {
      // A file of `models:` rules only is fine: it adds stages, not targets.
      if (file.models.length > 0) return file;
      throw new TargetError(`${filePath}:1: missing "targets:" list`);
    }
  }
  if (!isSeq(list)) {
    throw new TargetError(`${filePath}:${lineOf(list)}: expected a list of targets (or an object with a "targets:" list)`);
  }
  for (const item of list.items) {
    const node = item as YamlNode;
    file.targets.push(...resolveTargets(plainValue(node), fieldLocation(node, filePath, lineOf), defaults));
  }
  return file;
}

const TOP_LEVEL_FIELDS = ['targets', 'preset', 'description', 'models'];

/**
 * A JSON target file read without the YAML parser (json-lines.ts): the same
 * file, lines and messages as the YAML path below gives. Anything that path
 * would refuse (not valid JSON, a duplicate or unknown key, a field of the
 * wrong shape) returns undefined, and the caller reads the file again with the
 * YAML parser, so every error keeps its exact message and line. Errors from a
 * target's own fields are thrown here, with the same locations.
 */
function parseJsonTargetFile(text: string, filePath: string, defaults: { optional?: boolean }): TargetFile | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const lines = jsonLines(text);
  if (lines === undefined) return undefined;
  const file: TargetFile = { path: filePath, targets: [], models: [] };
  const location =
    (node: JsonLines) =>
    (field: string | undefined): string =>
      `${filePath}:${(field === undefined ? undefined : node.keys?.get(field)?.keyLine) ?? node.line}`;
  let list: unknown = value;
  let listLines: JsonLines | undefined = lines;
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const top = value as Record<string, unknown>;
    if (Object.keys(top).some((key) => !TOP_LEVEL_FIELDS.includes(key))) return undefined;
    if (top.models !== undefined && top.models !== null) {
      const modelLines = lines.keys?.get('models')?.value.items;
      if (!Array.isArray(top.models) || modelLines === undefined) return undefined;
      top.models.forEach((rule, index) => file.models.push(resolveModelRule(rule, location(modelLines[index]!))));
    }
    if (typeof top.preset === 'string') file.presets = [top.preset];
    else if (Array.isArray(top.preset) && top.preset.every((name) => typeof name === 'string')) file.presets = top.preset as string[];
    else if (top.preset !== undefined) return undefined;
    if (typeof top.description === 'string') file.description = top.description;
    list = top.targets;
    listLines = lines.keys?.get('targets')?.value;
    if (list === undefined || list === null) return file.models.length > 0 ? file : undefined;
  }
  if (!Array.isArray(list) || listLines?.items === undefined) return undefined;
  const itemLines = listLines.items;
  list.forEach((spec, index) => file.targets.push(...resolveTargets(spec, location(itemLines[index]!), defaults)));
  return file;
}

/**
 * The YAML parser, loaded when a YAML or JSON target file is read rather than
 * when stagescope loads: built-in lists are JSON data made at build time, and
 * `yaml` plus its ~70 modules cost ~77 ms of start-up (issue "Cost of observation").
 */
function yamlParser(): typeof import('yaml') {
  return createRequire(import.meta.url)('yaml') as typeof import('yaml');
}

function plainValue(node: YamlNode): unknown {
  return (node as { toJSON?: () => unknown }).toJSON?.() ?? null;
}

/** Errors about one field point at that field's line; others at the entry's. */
function fieldLocation(node: YamlNode, filePath: string, lineOf: (node: YamlNode | null | undefined) => number): (field: string | undefined) => string {
  return (field) => {
    const pair =
      field !== undefined && yamlParser().isMap(node) ? node.items.find((entry) => (entry.key as { value?: unknown } | null)?.value === field) : undefined;
    return `${filePath}:${lineOf((pair?.key as YamlNode | undefined) ?? node)}`;
  };
}

function parseCsv(text: string, filePath: string, defaults: { optional?: boolean }): ResolvedTarget[] {
  const rows = splitCsv(text, filePath);
  const header = rows.find((row) => row.cells.some((cell) => cell.trim() !== ''));
  if (header === undefined) throw new TargetError(`${filePath}:1: empty CSV (expected a header row: module,export,name,stage)`);
  const fields = header.cells.map((cell) => cell.trim());
  for (const required of ['module', 'export']) {
    if (!fields.includes(required)) {
      throw new TargetError(`${filePath}:${header.line}: header has no "${required}" column (got ${fields.join(', ')})`);
    }
  }
  const targets: ResolvedTarget[] = [];
  for (const row of rows) {
    if (row === header || row.cells.every((cell) => cell.trim() === '') || row.cells[0]?.trim().startsWith('#')) continue;
    if (row.cells.length > fields.length) {
      throw new TargetError(`${filePath}:${row.line}: ${row.cells.length} cells but the header has ${fields.length} columns`);
    }
    const raw: Record<string, string> = {};
    fields.forEach((field, index) => {
      const cell = row.cells[index]?.trim() ?? '';
      if (cell !== '') raw[field] = cell;
    });
    targets.push(...resolveTargets(raw, `${filePath}:${row.line}`, defaults));
  }
  return targets;
}

/** RFC 4180 CSV: quoted cells, doubled quotes, newlines inside quotes. */
function splitCsv(text: string, filePath: string): { line: number; cells: string[] }[] {
  const rows: { line: number; cells: string[] }[] = [];
  let cells: string[] = [];
  let cell = '';
  let line = 1;
  let rowLine = 1;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') {
        quoted = false;
      } else {
        if (ch === '\n') line++;
        cell += ch;
      }
    } else if (ch === '"') {
      quoted = true;
    } else if (ch === ',') {
      cells.push(cell);
      cell = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      cells.push(cell);
      rows.push({ line: rowLine, cells });
      cells = [];
      cell = '';
      line++;
      rowLine = line;
    } else {
      cell += ch;
    }
  }
  if (quoted) throw new TargetError(`${filePath}:${rowLine}: unterminated quoted cell`);
  if (cell !== '' || cells.length > 0) {
    cells.push(cell);
    rows.push({ line: rowLine, cells });
  }
  return rows;
}
