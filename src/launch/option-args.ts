import { StagescopeError } from '../core/errors.js';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { CliFlag } from '../presets/options/option-row.js';
import type { ValueType } from '../presets/options/value-types.js';
import { CliError } from '../core/cli-error.js';

/**
 * A command's flags from rows of the option table (presets/options/) and the
 * command's own rows: the parseArgs configuration, the parsed and checked
 * values, and the lines of `--help` all come from the same rows.
 */

/** What a command needs of a row: the option table's rows are ones, and commands add their own (bench's `--repeat`). */
export interface FlagRow<T> {
  readonly type: ValueType<T>;
  readonly flag?: CliFlag;
  readonly help: string;
  readonly defaultValue?: T;
}

type FlagRows = Readonly<Record<string, FlagRow<unknown>>>;

/** The values of a command's flags by row name; a flag not given is absent. */
export type FlagValues<R extends FlagRows> = { -readonly [K in keyof R]?: R[K] extends FlagRow<infer T> ? T : never };

/** Text that a switch on the command line stands for, as its env var would say it. */
const SWITCH_ON = '1';

/**
 * Parse `args` (a command's own arguments, before any `--`) with these rows
 * plus `-h/--help`. A bad value is a `CliError` naming the flag, with the same
 * words its env var and API option get.
 */
export function parseFlags<R extends FlagRows>(rows: R, args: string[]): { help: boolean; positionals: string[]; values: FlagValues<R> } {
  const options: NonNullable<ParseArgsConfig['options']> = {};
  for (const row of Object.values(rows)) {
    if (row.flag !== undefined)
      options[row.flag.name.slice(2)] = row.flag.value === undefined ? { type: 'boolean' } : { type: 'string', multiple: row.flag.repeatable === true };
  }
  options.help = { type: 'boolean', short: 'h' };
  const parsed = parseArgs({ args, allowPositionals: true, options });
  const values: Record<string, unknown> = {};
  for (const [key, row] of Object.entries(rows)) {
    const given = row.flag === undefined ? undefined : parsed.values[row.flag.name.slice(2)];
    if (given !== undefined) values[key] = flagValue(row, row.flag!.name, given);
  }
  return { help: parsed.values.help === true, positionals: parsed.positionals, values: values as FlagValues<R> };
}

function flagValue<T>(row: FlagRow<T>, name: string, given: string | boolean | Array<string | boolean>): T {
  try {
    if (typeof given === 'boolean') return row.type.parse(SWITCH_ON, name);
    if (typeof given === 'string') return row.type.parse(given, name);
    const texts = given.map(String);
    return row.type.parseEach === undefined ? row.type.parse(texts.join(','), name) : row.type.parseEach(texts, name);
  } catch (error) {
    // A bad value is a usage error (exit 2), worded once by the value type; the CLI adds its own prefix.
    throw new CliError(error instanceof StagescopeError ? error.detail : error instanceof Error ? error.message : String(error));
  }
}

/** Where help text starts: the widest usual `--flag VALUE` fits before it; wider ones get two spaces. */
const HELP_COLUMN = 22;
const LINE_WIDTH = 100;

/**
 * The `Options:` lines of `--help` for these rows, in their order, then
 * `-h, --help`. Each row's help gets "; repeatable" and "(default …)" as the
 * row says; `{name}` in help text is replaced from `substitutions`.
 */
export function flagUsage(rows: FlagRows, substitutions: Readonly<Record<string, string>> = {}): string {
  const lines: string[] = [];
  for (const row of Object.values(rows)) {
    if (row.flag === undefined) continue;
    let help = row.help.replace(/\{(\w+)\}/g, (whole, name: string) => substitutions[name] ?? whole);
    if (row.flag.repeatable === true) help += '; repeatable';
    const shownDefault = row.flag.value === undefined || row.defaultValue === undefined ? '' : row.type.format(row.defaultValue);
    if (shownDefault !== '') help += ` (default ${shownDefault})`;
    lines.push(...usageEntry(`${row.flag.name}${row.flag.value === undefined ? '' : ` ${row.flag.value}`}`, help));
  }
  lines.push(...usageEntry('-h, --help', 'show this help'));
  return `${lines.join('\n')}\n`;
}

function usageEntry(flag: string, help: string): string[] {
  const first = `  ${flag}`;
  const lead = first.length + 2 <= HELP_COLUMN ? first.padEnd(HELP_COLUMN) : `${first}  `;
  const lines: string[] = [];
  let line = lead;
  let wordsOnLine = 0;
  for (const word of help.split(' ')) {
    if (wordsOnLine > 0 && line.length + word.length > LINE_WIDTH) {
      lines.push(line.trimEnd());
      line = ' '.repeat(HELP_COLUMN);
      wordsOnLine = 0;
    }
    line += `${word} `;
    wordsOnLine += 1;
  }
  lines.push(line.trimEnd());
  return lines;
}
