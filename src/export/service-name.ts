import { readFileSync } from 'node:fs';
import path from 'node:path';

let cached: string | undefined;

/**
 * The default `service.name` of exported data: `OTEL_SERVICE_NAME`, else the
 * `name` in the app's package.json (in the working directory), else
 * `stagescope`. Read once.
 */
export function defaultServiceName(): string {
  if (cached !== undefined) return cached;
  const fromEnv = process.env.OTEL_SERVICE_NAME?.trim();
  if (fromEnv !== undefined && fromEnv !== '') return (cached = fromEnv);
  try {
    const pkg = JSON.parse(readFileSync(path.join(process.cwd(), 'package.json'), 'utf8')) as { name?: unknown };
    if (typeof pkg.name === 'string' && pkg.name.trim() !== '') return (cached = pkg.name.trim());
  } catch {
    // no package.json, or not JSON: fall through to the default
  }
  return (cached = 'stagescope');
}
