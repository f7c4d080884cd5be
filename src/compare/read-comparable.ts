import { readFileSync } from 'node:fs';
import { assertBenchDocument, BENCH_FORMAT, type BenchDocument } from '../bench/bench-document.js';
import { assertRunDocument, RUN_FORMAT, type RunDocument } from '../core/run-document.js';

/** A file `compare` can read: a run document or a bench document. */
export type ComparableFile = { kind: 'run'; file: string; run: RunDocument } | { kind: 'bench'; file: string; bench: BenchDocument };

/**
 * Read and validate a run (`stagescope.run/1`) or bench (`stagescope.bench/1`)
 * document. Every error names the file and says what to do.
 */
export function readComparableFile(file: string): ComparableFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new Error(
      code === 'ENOENT'
        ? `${file}: file not found (write one with \`stagescope run --json ${file}\` or \`stagescope bench --json ${file}\`)`
        : `${file}: cannot read (${(error as Error).message})`,
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(
      `${file}: not valid JSON (${(error as Error).message}); expected a run document from \`stagescope run --json\` or a bench document from \`stagescope bench --json\``,
    );
  }
  const format = (value as { format?: unknown } | null)?.format;
  if (format === BENCH_FORMAT) {
    assertBenchDocument(value, file);
    return { kind: 'bench', file, bench: value };
  }
  if (format !== RUN_FORMAT) {
    throw new Error(`${file}: not a stagescope run or bench document (format is ${JSON.stringify(format)}, expected "${RUN_FORMAT}" or "${BENCH_FORMAT}")`);
  }
  assertRunDocument(value, file);
  return { kind: 'run', file, run: value };
}
