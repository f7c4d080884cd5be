/**
 * The call graph drawn in a short-lived child process, for writers that must
 * stay synchronous: an `exit` handler cannot await Graphviz's wasm load, and a
 * `beforeExit` handler that starts async work makes Node emit `beforeExit`
 * again, so the app's own `beforeExit` listeners would run twice. The parent
 * blocks in `spawnSync`; this file is the child's entry point:
 *
 *   node svg-child.js OUT.svg < {"doc": RunDocument, "options": DotOptions}
 *
 * Exit code 0 when written; otherwise the reason is on stderr.
 */
import { readFileSync } from 'node:fs';
import type { RunDocument } from '../core/run-document.js';
import type { DotOptions } from './call-graph/dot.js';
import { renderCallGraphSvg } from './call-graph/svg.js';
import { writeFileAtomicSync } from './atomic-write.js';

interface SvgJob {
  doc: RunDocument;
  options?: DotOptions;
}

async function main(file: string | undefined): Promise<void> {
  if (file === undefined) throw new Error('usage: svg-child.js OUT.svg < job.json');
  const job = JSON.parse(readFileSync(0, 'utf8')) as SvgJob;
  writeFileAtomicSync(file, await renderCallGraphSvg(job.doc, job.options ?? {}));
}

main(process.argv[2]).catch((error: unknown) => {
  process.stderr.write(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
});
