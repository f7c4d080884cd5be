import { readFileSync } from 'node:fs';
import { assertBenchDocument, BENCH_FORMAT, type BenchDocument } from './bench-document.js';
import { documentError } from '../core/errors.js';
import { assertRunDocument, RUN_FORMAT, type RunDocument } from '../core/run-document.js';

/** A file `compare` can read: a run document or a bench document. */
export type ComparableFile = { kind: 'run'; file: string; run: RunDocument } | { kind: 'bench'; file: string; bench: BenchDocument };

/**
 * Read and validate a run (`stagescope.run/1`) or bench (`stagescope.bench/1`)
 * document. Every error is a StagescopeError (`SS_ERR_DOCUMENT_INVALID`) that
 * names the file and says what to do.
 */
export function readComparableFile(file: string): ComparableFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw documentError(
      code === 'ENOENT'
        ? `${file}: file not found (write one with \`stagescope run --json ${file}\` or \`stagescope bench --json ${file}\`)`
        : `${file}: cannot read (${(error as Error).message})`,
      { cause: error },
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw documentError(
      `${file}: not valid JSON (${(error as Error).message}); expected a run document from \`stagescope run --json\` or a bench document from \`stagescope bench --json\``,
      { cause: error },
    );
  }
  const format = (value as { format?: unknown } | null)?.format;
  if (format === BENCH_FORMAT) {
    assertBenchDocument(value, file);
    return { kind: 'bench', file, bench: value };
  }
  if (format !== RUN_FORMAT) {
    throw documentError(`${file}: not a stagescope run or bench document (format is ${JSON.stringify(format)}, expected "${RUN_FORMAT}" or "${BENCH_FORMAT}")`);
  }
  assertRunDocument(value, file);
  return { kind: 'run', file, run: value };
}
