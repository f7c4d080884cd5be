/**
 * `new Date(epochMs).toISOString()` without a Date: the first `toISOString`
 * of a process costs 85–190 µs (V8 sets up its date cache), and the run
 * document's `startedAt` was the only Date of a traced `-e 0` or OCR-example
 * exit. Days to a civil date as in Howard Hinnant's `civil_from_days`
 * (proleptic Gregorian, as ECMAScript's time values). Outside years
 * 1970–9999 (never a run's start) the Date does it, error and all.
 */
export function isoFromEpochMs(epochMs: number): string {
  // new Date(x) truncates x to an integer: for x ≥ 0 that is Math.floor.
  const ms = Math.floor(epochMs);
  if (!(ms >= 0 && ms <= LAST_MS_OF_9999)) return new Date(epochMs).toISOString();
  const days = Math.floor(ms / MS_PER_DAY);
  let rest = ms - days * MS_PER_DAY;
  const hour = Math.floor(rest / 3_600_000);
  rest -= hour * 3_600_000;
  const minute = Math.floor(rest / 60_000);
  rest -= minute * 60_000;
  const second = Math.floor(rest / 1000);
  const milli = rest - second * 1000;
  // Days since 0000-03-01, in 400-year eras of 146,097 days (the year starts in March, so leap days come last).
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor((dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365);
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const monthFromMarch = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * monthFromMarch + 2) / 5) + 1;
  const month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  return `${year}-${two(month)}-${two(day)}T${two(hour)}:${two(minute)}:${two(second)}.${String(milli).padStart(3, '0')}Z`;
}

const MS_PER_DAY = 86_400_000;
/** 9999-12-31T23:59:59.999Z: past it, toISOString writes a six-digit year. */
const LAST_MS_OF_9999 = 253_402_300_799_999;

function two(value: number): string {
  return value < 10 ? `0${value}` : String(value);
}
