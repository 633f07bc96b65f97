import fs from 'node:fs';
import path from 'node:path';

/** A US flight as vega-datasets' flights-20k.json writes it. */
export interface Flight {
  date: string;
  delay: number;
  distance: number;
  origin: string;
  destination: string;
}

const DAY_MS = 24 * 3_600_000;
const pad = (n: number) => String(n).padStart(2, '0');

/** `2001/01/01 00:47`, in UTC, as the file writes it. */
export function flightDate(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}/${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
}

function parseFlightDate(date: string): number {
  const [y, mo, d, h, mi] = date.split(/[/ :]/).map(Number);
  return Date.UTC(y!, mo! - 1, d!, h!, mi!);
}

/**
 * `events` flights-shaped records: the 20,000 real flights in time order, looped, each pass
 * starting a day after the last one ended, so event time only moves on (no event of a later
 * pass is late for a window of an earlier one).
 */
export function* flightRecords(events: number): Generator<Flight> {
  const data = path.join(path.dirname(require.resolve('vega-datasets')), '..', 'data', 'flights-20k.json');
  const flights = (JSON.parse(fs.readFileSync(data, 'utf8')) as Flight[]).map((f) => ({ ...f, at: parseFlightDate(f.date) })).sort((a, b) => a.at - b.at);
  const passShiftMs = (Math.floor((flights.at(-1)!.at - flights[0]!.at) / DAY_MS) + 2) * DAY_MS;
  for (let i = 0; i < events; i += 1) {
    const f = flights[i % flights.length]!;
    const pass = Math.floor(i / flights.length);
    yield { date: flightDate(f.at + pass * passShiftMs), delay: f.delay, distance: f.distance, origin: f.origin, destination: f.destination };
  }
}
