import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isoFromEpochMs } from '../src/core/iso-time.js';

describe('isoFromEpochMs', () => {
  it("writes what Date's toISOString writes: edges of days, months, leap years and the range", () => {
    const cases = [
      0,
      0.9999,
      1,
      86_399_999,
      86_400_000,
      Date.UTC(1972, 1, 29, 12),
      Date.UTC(1999, 11, 31, 23, 59, 59, 999),
      Date.UTC(2000, 1, 29),
      Date.UTC(2000, 2, 1),
      Date.UTC(2100, 1, 28, 23, 59, 59, 999),
      Date.UTC(2100, 2, 1),
      Date.UTC(2026, 10, 27, 13, 14, 15, 16),
      Date.UTC(2400, 1, 29, 1, 2, 3, 4),
      Date.UTC(9999, 11, 31, 23, 59, 59, 999),
      1_764_249_255_123.75,
    ];
    for (const ms of cases) assert.equal(isoFromEpochMs(ms), new Date(ms).toISOString(), String(ms));
  });

  it('agrees with Date on 100,000 pseudo-random times from 1970 to 9999', () => {
    let seed = 12_345;
    for (let i = 0; i < 100_000; i++) {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      const ms = Math.floor((seed / 2_147_483_648) * 253_402_300_800_000) + (i % 1000) / 1000;
      assert.equal(isoFromEpochMs(ms), new Date(ms).toISOString(), String(ms));
    }
  });

  it('outside 1970–9999 it is the Date, error included', () => {
    assert.equal(isoFromEpochMs(-1), new Date(-1).toISOString());
    assert.equal(isoFromEpochMs(253_402_300_800_000), new Date(253_402_300_800_000).toISOString());
    assert.throws(() => isoFromEpochMs(Number.NaN), RangeError);
  });
});
