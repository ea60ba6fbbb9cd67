/**
 * Instants as the gate reads and writes them: milliseconds since the epoch, parsed from
 * ISO-8601 date-times with a zone, and printed back in UTC.
 *
 * The parser is hand-written because it runs once per evidence line: it checks the exact shape
 * `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM|±HHMM)` and the ranges of every field, and costs a
 * fraction of `Date.parse`. Fractions of any length are accepted (Kubernetes writes
 * microseconds, Vault nanoseconds) and truncated to milliseconds.
 */

const ZERO = 48;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** The two-digit number at `i`, or -1 (charCodeAt past the end is NaN, which fails both comparisons). */
function twoDigits(text: string, i: number): number {
  const a = text.charCodeAt(i) - ZERO;
  const b = text.charCodeAt(i + 1) - ZERO;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

function isLeap(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/** Days from 1970-01-01 to a date of the proleptic Gregorian calendar (H. Hinnant's days_from_civil); no Date object, no allocation. */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

// The last valid date read (as the number yyyymmdd) and its start in ms: evidence is written in
// time order, so most lines share their date with the line before and skip the calendar (measured:
// a third of the cost). -1 matches no date.
let lastDate = -1;
let lastDayMs = 0;

/** Start of the day in ms, or NaN when the month or day is out of range; remembers a valid one. */
function dayStart(year: number, month: number, day: number): number {
  const date = year * 10_000 + month * 100 + day;
  if (date === lastDate) return lastDayMs;
  if (month < 1 || month > 12 || day < 1 || day > (month === 2 && isLeap(year) ? 29 : DAYS_IN_MONTH[month - 1]!)) return NaN;
  lastDate = date;
  lastDayMs = daysFromCivil(year, month, day) * 86_400_000;
  return lastDayMs;
}

/**
 * Milliseconds since the epoch of an ISO-8601 date-time with a zone, or `NaN` when `text` is not
 * one (no zone, a field out of range, a trailing character).
 * @example parseInstant('2026-05-01T02:00:00+02:00') === Date.UTC(2026, 4, 1)
 */
export function parseInstant(text: string): number {
  const n = text.length;
  if (n < 20) return NaN;
  // Every field is read as two digits at a fixed place (the year as two pairs), then checked at once.
  const century = twoDigits(text, 0);
  const yearInCentury = twoDigits(text, 2);
  const month = twoDigits(text, 5);
  const day = twoDigits(text, 8);
  const hour = twoDigits(text, 11);
  const minute = twoDigits(text, 14);
  const second = twoDigits(text, 17);
  const t = text.charCodeAt(10);
  if (
    (century | yearInCentury | month | day | hour | minute | second) < 0 ||
    text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45 || (t !== 84 && t !== 116) || // - - T or t
    text.charCodeAt(13) !== 58 || text.charCodeAt(16) !== 58 || hour > 23 || minute > 59 || second > 59
  ) return NaN;
  const dayMs = dayStart(century * 100 + yearInCentury, month, day);
  if (dayMs !== dayMs) return NaN;
  let i = 19;
  let millis = 0;
  let zone = text.charCodeAt(i);
  if (zone === 46) { // '.'
    const start = ++i;
    for (;;) {
      const d = text.charCodeAt(i) - ZERO;
      if (!(d >= 0 && d <= 9)) break;
      if (i - start < 3) millis = millis * 10 + d;
      i++;
    }
    if (i === start) return NaN;
    for (let k = i - start; k < 3; k++) millis *= 10;
    zone = text.charCodeAt(i);
  }
  let offsetMinutes = 0;
  if (zone === 90 || zone === 122) { // Z or z
    i++;
  } else if (zone === 43 || zone === 45) { // + or -
    const oh = twoDigits(text, i + 1);
    const colon = text.charCodeAt(i + 3) === 58 ? 1 : 0;
    const om = twoDigits(text, i + 3 + colon);
    if (oh < 0 || oh > 23 || om < 0 || om > 59) return NaN;
    offsetMinutes = zone === 45 ? -(oh * 60 + om) : oh * 60 + om;
    i += 5 + colon;
  } else {
    return NaN;
  }
  if (i !== n) return NaN;
  return dayMs + ((hour * 60 + minute - offsetMinutes) * 60 + second) * 1000 + millis;
}

/** The date of a day number (days since 1970-01-01): H. Hinnant's civil_from_days. */
function civilFromDays(days: number): { readonly year: number; readonly month: number; readonly day: number } {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor((dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365);
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const mp = Math.floor((5 * dayOfYear + 2) / 153);
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day: dayOfYear - Math.floor((153 * mp + 2) / 5) + 1 };
}

function two(n: number): string {
  return n < 10 ? `0${n}` : `${n}`;
}

/** Years 0000 to 9999, the ones parseInstant reads; other instants are printed by Date. */
const MIN_FAST_MS = -62_167_219_200_000; // 0000-01-01T00:00:00Z
const MAX_FAST_MS = 253_402_300_800_000; // 10000-01-01T00:00:00Z

/**
 * An instant in UTC: `2026-11-25T16:35:38Z`, with milliseconds only when they are not zero.
 * Printed by arithmetic in years 0000–9999 (a Date and toISOString cost several times more, once
 * per sign-off and closure read); exactly what `new Date(ms).toISOString()` gives there.
 */
export function formatInstant(ms: number): string {
  if (!Number.isInteger(ms) || ms < MIN_FAST_MS || ms >= MAX_FAST_MS) {
    const text = new Date(ms).toISOString();
    return ms % 1000 === 0 && text.endsWith('.000Z') ? `${text.slice(0, -5)}Z` : text; // isoSeconds without a regular expression
  }
  const days = Math.floor(ms / 86_400_000);
  const { year, month, day } = civilFromDays(days);
  const inDay = ms - days * 86_400_000;
  const millis = inDay % 1000;
  const seconds = (inDay - millis) / 1000;
  const time = `${two(Math.floor(seconds / 3600))}:${two(Math.floor(seconds / 60) % 60)}:${two(seconds % 60)}`;
  const fraction = millis === 0 ? '' : `.${millis < 10 ? '00' : millis < 100 ? '0' : ''}${millis}`;
  return `${String(year).padStart(4, '0')}-${two(month)}-${two(day)}T${time}${fraction}Z`;
}
