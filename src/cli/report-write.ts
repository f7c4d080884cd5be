import { renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Write a whole file atomically (a temporary file beside it, then a rename):
 * an interrupted write never leaves a truncated report or destroys the last
 * good one. Returns the one line to print.
 */
export function writeOutputFile(file: string, content: string, label: string): string {
  const temporary = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  try {
    writeFileSync(temporary, content);
    renameSync(temporary, file);
    return `stagescope: ${label} written to ${file}`;
  } catch (error) {
    rmSync(temporary, { force: true });
    return `stagescope: error: could not write the ${label} to ${file}: ${error instanceof Error ? error.message : String(error)}`;
  }
}
