import { readlinkSync } from 'node:fs';

/**
 * `HH:MM:SS.mmm` in local time, for the tree's and the serve page's clocks.
 *
 * Why not always `Date#getHours()`: a process's first local-time call loads
 * ICU's time-zone data, 0.45–0.7 ms measured on Node 22 (with `TZ=UTC` too),
 * paid at the exit of every traced run that prints its tree, where it was
 * more than the rest of a one-line tree together. Where the zone is UTC
 * (servers, containers, CI) the UTC getters give the same figures without it.
 * UTC is assumed only where the zone is named so for sure: `TZ` set to one of
 * UTC's names, or, without `TZ`, `/etc/localtime` linking to one (Linux,
 * macOS). Anything else, or a zone that cannot be told, uses the local getters.
 */

/** UTC's names in the tz database (`Etc/UTC` and its links); a leading `:` in `TZ` is allowed. */
const UTC_NAMES = new Set(['UTC', 'UCT', 'Universal', 'Zulu', 'Etc/UTC', 'Etc/UCT', 'Etc/Universal', 'Etc/Zulu']);

/** Where the zone's name starts in a `/etc/localtime` link (`/usr/share/zoneinfo/Etc/UTC`, `/var/db/timezone/zoneinfo/UTC`). */
const ZONEINFO_DIR = '/zoneinfo/';

let decided: { tz: string | undefined; utc: boolean } | undefined;

/** Whether local time is UTC, told without the time-zone data (see above); read again when `TZ` changes. */
export function localTimeIsUtc(env: NodeJS.ProcessEnv = process.env): boolean {
  const tz = env.TZ;
  if (decided !== undefined && decided.tz === tz) return decided.utc;
  const utc = tz !== undefined ? UTC_NAMES.has(tz.startsWith(':') ? tz.slice(1) : tz) : systemZoneIsUtc();
  decided = { tz, utc };
  return utc;
}

/** Without `TZ`: whether `/etc/localtime` links to a zone named UTC. */
function systemZoneIsUtc(): boolean {
  try {
    // (A string search, not a regular expression: compiling one cost more than the link's read.)
    const link = readlinkSync('/etc/localtime');
    const at = link.lastIndexOf(ZONEINFO_DIR);
    return at >= 0 && UTC_NAMES.has(link.slice(at + ZONEINFO_DIR.length));
  } catch {
    return false; // not a link (a copied zone file), or no such file (Windows): the local getters tell
  }
}

function pad(value: number, width = 2): string {
  return String(value).padStart(width, '0');
}

function utcClock(wallMs: number): string {
  const date = new Date(wallMs);
  return `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}.${pad(date.getUTCMilliseconds(), 3)}`;
}

function zoneClock(wallMs: number): string {
  const date = new Date(wallMs);
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`;
}

/** The local clock formatter for now: decided once per picture, not once per line (reading `process.env.TZ` costs ~0.2 µs). */
export function localClock(env: NodeJS.ProcessEnv = process.env): (wallMs: number) => string {
  return localTimeIsUtc(env) ? utcClock : zoneClock;
}

/** `HH:MM:SS.mmm` in local time. */
export function formatClock(wallMs: number): string {
  return localClock()(wallMs);
}
