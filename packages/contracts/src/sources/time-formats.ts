/**
 * How a source writes its event time: epoch milliseconds or seconds (numbers), ISO-8601 text
 * with an offset, or a pattern such as `yyyy/MM/dd HH:mm` read in a declared time zone.
 */
export type TimeFormat = 'epoch-ms' | 'epoch-s' | 'iso-8601' | string;

/** Turns a field's value into epoch milliseconds, or a reason it cannot. */
export type TimeReader = (value: unknown) => number | { error: string };

const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})$/;
/** the pattern letters understood, longest first */
const TOKENS = ['yyyy', 'SSS', 'MM', 'dd', 'HH', 'mm', 'ss'] as const;
type Token = (typeof TOKENS)[number];
/** epoch ms within ±10,000 years: Date's own range, and what a window start can hold */
const MAX_MS = 8.64e15;

/** A reader for `format` (and `zone`, for patterns), or an error naming what is wrong with them. */
export function timeReader(format: TimeFormat, zone = 'UTC'): TimeReader | string {
  if (format === 'epoch-ms') return (value) => epoch(value, 1);
  if (format === 'epoch-s') return (value) => epoch(value, 1000);
  if (format === 'iso-8601') return iso;
  const offsetOf = zoneOffset(zone);
  if (typeof offsetOf === 'string') return offsetOf;
  const compiled = compilePattern(format);
  if (typeof compiled === 'string') return compiled;
  return (value) => {
    if (typeof value !== 'string') return { error: `expected text in the form ${format}, got ${describe(value)}` };
    const local = compiled(value);
    if (local === undefined) return { error: `expected text in the form ${format}, got ${JSON.stringify(value.slice(0, 40))}` };
    return local - offsetOf(local);
  };
}

function epoch(value: unknown, unitMs: number): number | { error: string } {
  if (typeof value !== 'number' || !Number.isFinite(value))
    return { error: `expected a number of ${unitMs === 1 ? 'milliseconds' : 'seconds'} since 1970, got ${describe(value)}` };
  const ms = Math.round(value * unitMs);
  return Math.abs(ms) <= MAX_MS ? ms : { error: `${value} is out of range for a time` };
}

function iso(value: unknown): number | { error: string } {
  if (typeof value !== 'string' || !ISO_WITH_OFFSET.test(value))
    return { error: `expected ISO-8601 text with an offset (2001-01-01T00:47:00Z), got ${describe(value)}` };
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? { error: `${JSON.stringify(value)} is not a valid date` } : ms;
}

/**
 * A parser for a date pattern, to the local time as if it were UTC (ms); fields absent from the
 * pattern are 0 (a day's start), or 1 for month and day. Every token has a fixed width, so each
 * field is read at its offset, digit by digit, and each literal compared where it stands: this
 * runs once per event of a source with such a time, and a regular expression's match (an array
 * and a string per field) was 7% of a flights catch-up's allocations (docs/benchmarks.md).
 */
function compilePattern(pattern: string): ((text: string) => number | undefined) | string {
  const parts: (Token | string)[] = [];
  for (let at = 0; at < pattern.length;) {
    const token = TOKENS.find((t) => pattern.startsWith(t, at));
    if (token) {
      if (parts.includes(token)) return `time format "${pattern}": ${token} appears twice`;
      parts.push(token);
      at += token.length;
    } else if (/[A-Za-z]/.test(pattern[at]!)) {
      return `time format "${pattern}": unknown letter "${pattern[at]}" at position ${at + 1} (use yyyy MM dd HH mm ss SSS; other letters only in epoch-ms, epoch-s, iso-8601)`;
    } else {
      parts.push(pattern[at]!);
      at += 1;
    }
  }
  for (const needed of ['yyyy', 'MM', 'dd'] as const) if (!parts.includes(needed)) return `time format "${pattern}": needs ${needed}`;
  // where each token starts (undefined: absent), and each literal's position and UTF-16 unit
  const starts = new Map<Token, number>();
  const literals: number[] = [];
  let width = 0;
  for (const part of parts) {
    if ((TOKENS as readonly string[]).includes(part)) starts.set(part as Token, width);
    else literals.push(width, part.charCodeAt(0));
    width += part.length;
  }
  // each field's reader, or its value when the pattern has none: looked up once, not per event
  const fieldOf = (token: Token, absent: number) => {
    const at = starts.get(token);
    return at === undefined ? () => absent : (text: string) => digits(text, at, token.length);
  };
  const readYear = fieldOf('yyyy', 0);
  const readMonth = fieldOf('MM', 1);
  const readDay = fieldOf('dd', 1);
  const readHour = fieldOf('HH', 0);
  const readMinute = fieldOf('mm', 0);
  const readSecond = fieldOf('ss', 0);
  const readMs = fieldOf('SSS', 0);
  return (text) => {
    if (text.length !== width) return undefined;
    for (let l = 0; l < literals.length; l += 2) if (text.charCodeAt(literals[l]!) !== literals[l + 1]) return undefined;
    const year = readYear(text);
    const month = readMonth(text);
    const day = readDay(text);
    const hour = readHour(text);
    const minute = readMinute(text);
    const second = readSecond(text);
    const ms = readMs(text);
    if (year < 0 || ms < 0 || month < 1 || month > 12 || day < 1 || day > 31 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59)
      return undefined;
    return Date.UTC(year, month - 1, day, hour, minute, second, ms);
  };
}

/** The number the ASCII digits `text[at..at+length)` write, or -1 when one of them is not a digit. */
function digits(text: string, at: number, length: number): number {
  let n = 0;
  for (let i = at; i < at + length; i += 1) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return -1;
    n = n * 10 + digit;
  }
  return n;
}

/**
 * The zone's offset from UTC (ms) at a local time given as if it were UTC. Fixed offsets
 * (`UTC`, `+02:00`) cost nothing; an IANA zone (`America/New_York`) asks Intl once per hour
 * of local time, remembered, so a file of a million rows makes a few thousand questions.
 */
function zoneOffset(zone: string): ((localMs: number) => number) | string {
  const fixed = /^(?:UTC|Z|([+-])(\d{2}):?(\d{2}))$/.exec(zone);
  if (fixed) {
    const ms = fixed[1] ? (fixed[1] === '-' ? -1 : 1) * (Number(fixed[2]) * 60 + Number(fixed[3])) * 60_000 : 0;
    return () => ms;
  }
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  } catch {
    return `time zone "${zone}" is not known (use UTC, an offset such as +02:00, or an IANA name such as America/New_York)`;
  }
  const offsetAt = (utcMs: number) => {
    const p = Object.fromEntries(format.formatToParts(new Date(utcMs)).map((part) => [part.type, Number(part.value)]));
    return Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!) - Math.floor(utcMs / 1000) * 1000;
  };
  const byHour = new Map<number, number>();
  return (localMs) => {
    const hour = Math.floor(localMs / 3_600_000);
    let offset = byHour.get(hour);
    if (offset === undefined) {
      // the offset at the instant the local time would be in UTC, corrected once (a DST change between)
      const first = offsetAt(localMs);
      offset = offsetAt(localMs - first);
      if (byHour.size > 100_000) byHour.clear();
      byHour.set(hour, offset);
    }
    return offset;
  };
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
