import path from 'node:path';
import { reportDiagnostic } from '../core/diagnostics.js';
import { MANUAL_SPAN_HINT, type ResolvedTarget } from './target.js';

const withoutExtension = (file: string): string => file.slice(0, file.length - path.extname(file).length);

/**
 * Targets that name the script being run. Its functions are local bindings of
 * a module nobody else imports: there is nothing to patch from outside, so such
 * a target would record 0 calls without a word. Say so, and point to `span()`.
 * Returns the ids of the targets reported.
 */
export function reportEntryScriptTargets(targets: readonly ResolvedTarget[], scriptPath: string | undefined, basedir: string | undefined): string[] {
  if (scriptPath === undefined || scriptPath === '') return [];
  const script = path.resolve(scriptPath);
  const scriptStem = withoutExtension(script);
  const reported: string[] = [];
  for (const target of targets) {
    // A bare name (`sharp`) is a package even when the script is called sharp.mjs:
    // only a module written as a file (`./app.mjs`, `app.mjs`, `../app`) can mean the script.
    const fileLike = /^\.{1,2}[/\\]/.test(target.module) || /\.[cm]?[jt]sx?$/.test(target.module);
    if (!fileLike) continue;
    const candidates = new Set<string>();
    for (const dir of [basedir, process.cwd()]) if (dir !== undefined) candidates.add(path.resolve(dir, target.module));
    const names = [...candidates].some((candidate) => candidate === script || candidate === scriptStem);
    const byBasename = target.module === path.basename(script);
    if (!names && !byBasename) continue;
    reported.push(target.id);
    reportDiagnostic(
      'SS_TARGET_ENTRY_SCRIPT',
      `${target.source}: target ${target.id} names the script being run (${path.relative(process.cwd(), script) || script}); its functions cannot be patched from outside (they are the script's own local bindings), so it records nothing; ${MANUAL_SPAN_HINT}`,
    );
  }
  return reported;
}
