import { renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** What writing an output file did, and the one line to print about it. */
export interface WrittenFile {
  written: boolean;
  /** `stagescope: HTML report written to r.html`, or `stagescope: error: could not write …`. */
  line: string;
}

/**
 * Write a whole file atomically (a temporary file beside it, then a rename):
 * an interrupted write never leaves a truncated report or destroys the last
 * good one. Never throws: a failure is `written: false` with a line naming the
 * file and the reason.
 */
export function writeOutputFile(file: string, content: string, label: string): WrittenFile {
  const temporary = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  try {
    writeFileSync(temporary, content);
    renameSync(temporary, file);
    return { written: true, line: `stagescope: ${label} written to ${file}` };
  } catch (error) {
    rmSync(temporary, { force: true });
    return { written: false, line: `stagescope: error: could not write the ${label} to ${file}: ${error instanceof Error ? error.message : String(error)}` };
  }
}
