import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { formatClock, localClock, localTimeIsUtc } from '../src/render/local-clock.js';
import { repoRoot, runNode } from './helpers.js';

/** What `Date`'s local getters say: the clock every path must agree with. */
function byLocalGetters(wallMs: number): string {
  const date = new Date(wallMs);
  const pad = (value: number, width = 2): string => String(value).padStart(width, '0');
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`;
}

const SAMPLES_MS = [0, Date.UTC(2026, 0, 15, 23, 59, 59, 7), Date.UTC(2026, 6, 1, 12, 30, 0, 999), Date.now()];

describe('the local clock of trees and pages (render/local-clock.ts)', () => {
  it("reads as Date's local getters in this process, whichever path it takes", () => {
    for (const wallMs of SAMPLES_MS) assert.equal(formatClock(wallMs), byLocalGetters(wallMs));
    const clock = localClock();
    for (const wallMs of SAMPLES_MS) assert.equal(clock(wallMs), byLocalGetters(wallMs));
  });

  it('takes UTC only for a zone named UTC: TZ first, else /etc/localtime', () => {
    assert.equal(localTimeIsUtc({ TZ: 'UTC' }), true);
    assert.equal(localTimeIsUtc({ TZ: ':Etc/UTC' }), true);
    assert.equal(localTimeIsUtc({ TZ: 'Etc/Zulu' }), true);
    assert.equal(localTimeIsUtc({ TZ: 'Europe/London' }), false, 'UTC in winter, not in summer');
    assert.equal(localTimeIsUtc({ TZ: 'Asia/Kolkata' }), false);
    assert.equal(localTimeIsUtc({ TZ: '' }), false, 'an empty TZ is left to the local getters');
    if (localTimeIsUtc({})) {
      // Told from /etc/localtime: the machine's zone must then be UTC all year.
      for (const wallMs of [Date.UTC(2026, 0, 15), Date.UTC(2026, 6, 15)]) assert.equal(new Date(wallMs).getTimezoneOffset(), 0);
    }
  });

  it('a process with TZ set prints that zone: UTC by the fast path, any other by the local getters', async () => {
    const module = path.join(repoRoot, 'build/src/render/local-clock.js');
    const script = `import { formatClock } from ${JSON.stringify(module)}; console.log(formatClock(${Date.UTC(2026, 6, 1, 12, 0, 0, 250)}));`;
    const cases: [string, string][] = [
      ['UTC', '12:00:00.250'],
      ['Asia/Kolkata', '17:30:00.250'],
      ['America/New_York', '08:00:00.250'],
    ];
    for (const [tz, expected] of cases) {
      const result = await runNode(['--input-type=module', '-e', script], { env: { TZ: tz } });
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stdout.trim(), expected, `TZ=${tz}`);
    }
  });
});
