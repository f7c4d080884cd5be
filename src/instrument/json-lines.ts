/**
 * Line numbers of the containers, items and keys of a JSON text, for error
 * messages that name a line (target files, instrument/target-file.ts) without
 * loading the YAML parser: `yaml` and its modules cost about 20 ms of a traced
 * process's start-up on Node 24, `JSON.parse` plus this scan well under 1 ms
 * for a target file.
 *
 * The text must already have passed `JSON.parse`; values come from there, this
 * only finds where they are. Returns undefined for what it will not describe
 * (a duplicate key, nesting deeper than `MAX_DEPTH`): the caller then reads the
 * file with the YAML parser, which reports those with their line.
 */
export interface JsonLines {
  /** Line (1-based) where the value starts. */
  line: number;
  /** An object's keys: the key's line and its value. */
  keys?: Map<string, { keyLine: number; value: JsonLines }>;
  /** An array's items. */
  items?: JsonLines[];
}

/** Target files nest three levels; anything far deeper is left to the YAML parser. */
const MAX_DEPTH = 64;

/** Thrown for what the scan leaves to the YAML parser. */
class NotDescribed extends Error {}

export function jsonLines(text: string): JsonLines | undefined {
  let at = 0;
  let line = 1;
  const skipSpace = (): void => {
    for (;;) {
      const ch = text.charCodeAt(at);
      if (ch === 10) line++;
      else if (ch !== 32 && ch !== 9 && ch !== 13) return;
      at++;
    }
  };
  /** Past a string starting at `at` (a quote); returns its raw text without quotes. */
  const skipString = (): string => {
    const start = ++at;
    while (text.charCodeAt(at) !== 34) at += text.charCodeAt(at) === 92 ? 2 : 1; // backslash escapes one character
    return text.slice(start, at++);
  };
  const value = (depth: number): JsonLines => {
    if (depth > MAX_DEPTH) throw new NotDescribed();
    skipSpace();
    const node: JsonLines = { line };
    const ch = text[at];
    if (ch === '{') {
      at++;
      node.keys = new Map();
      skipSpace();
      if (text[at] === '}') {
        at++;
        return node;
      }
      for (;;) {
        skipSpace();
        const keyLine = line;
        const raw = skipString();
        const key = raw.includes('\\') ? (JSON.parse(`"${raw}"`) as string) : raw;
        if (node.keys.has(key)) throw new NotDescribed();
        skipSpace();
        at++; // ':'
        node.keys.set(key, { keyLine, value: value(depth + 1) });
        skipSpace();
        if (text[at++] === '}') return node; // else ','
      }
    }
    if (ch === '[') {
      at++;
      node.items = [];
      skipSpace();
      if (text[at] === ']') {
        at++;
        return node;
      }
      for (;;) {
        node.items.push(value(depth + 1));
        skipSpace();
        if (text[at++] === ']') return node; // else ','
      }
    }
    if (ch === '"') skipString();
    else while (at < text.length && !/[\s,\]}]/.test(text[at]!)) at++; // number, true, false, null
    return node;
  };
  try {
    return value(0);
  } catch (error) {
    if (error instanceof NotDescribed) return undefined;
    throw error;
  }
}
