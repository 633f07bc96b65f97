import type { FieldType } from '@streamtally/contracts/sources';
import { compileFilter } from '../../src/jobs/filter';

const FLIGHTS = new Map<string, FieldType>([
  ['origin', 'string'],
  ['destination', 'string'],
  ['delay', 'integer'],
  ['distance', 'number'],
  ['date', 'timestamp'],
  ['cancelled', 'boolean'],
  ['notes', 'string'],
]);
const JAN_1 = Date.UTC(2001, 0, 1);
const flight = { origin: 'ORD', destination: 'LAX', delay: 30, distance: 1745.5, date: JAN_1 + 3_600_000, cancelled: false, notes: null };

function holds(expression: string, event: Record<string, unknown> = flight): boolean {
  const filter = compileFilter(expression, FLIGHTS);
  if (typeof filter === 'string') throw new Error(filter);
  return filter(event);
}

describe('filters over declared fields', () => {
  it.each([
    ['delay > 15 and origin == ORD', true],
    ['delay > 60 or destination == LAX', true],
    ['delay > 60 or destination == SFO', false],
    ['not delay > 60', true],
    ['not (origin == ORD and delay > 15)', false],
    ['origin == SFO or (delay >= 30 and not cancelled == true)', true],
    // and binds tighter than or
    ['origin == SFO and delay > 0 or destination == LAX', true],
    ['origin == SFO and (delay > 0 or destination == LAX)', false],
    ['origin in (ORD, ATL)', true],
    ['origin in [SFO, "JFK"]', false],
    ['delay in (15, 30, 45)', true],
    ['distance < 1745.6 and distance > 1745.4', true],
    // text compares as text
    ['origin < "PHX"', true],
    ['destination >= "LAX"', true],
    // a timestamp with ISO-8601 text or epoch ms
    ['date >= "2001-01-01T00:00:00Z" and date < "2001-01-01T02:00:00+00:00"', true],
    [`date > ${JAN_1 + 3_600_000}`, false],
    ['cancelled == false', true],
    ['cancelled != true', true],
    // exists: present and not null
    ['notes exists', false],
    ['delay exists and not notes exists', true],
    // a field whose name starts like a keyword is a field
    ['notes != "x"', true],
  ])('%s → %s', (expression, expected) => {
    expect(holds(expression)).toBe(expected);
  });

  it('a missing value compares unequal, never less or greater', () => {
    expect(holds('delay > 0', { ...flight, delay: null })).toBe(false);
    expect(holds('delay <= 0', { ...flight, delay: null })).toBe(false);
    expect(holds('delay != 5', { ...flight, delay: null })).toBe(true);
  });

  it.each([
    ['delay > late', 'at position 1: field "delay" is an integer: expected a number, got "late"'],
    ['distance in (1, far)', 'at position 1: field "distance" is a number: expected a number, got "far"'],
    ['date > "yesterday"', 'at position 1: field "date" is a timestamp: expected epoch ms or ISO-8601 text with an offset, got "yesterday"'],
    [
      'date > "2001-01-01T00:00:00"',
      'at position 1: field "date" is a timestamp: expected epoch ms or ISO-8601 text with an offset, got "2001-01-01T00:00:00"',
    ],
    ['cancelled == yes', 'at position 1: field "cancelled" is a boolean: expected true or false, got "yes"'],
    ['delay > 0 and cancelled < true', 'at position 15: field "cancelled" is a boolean: only == and != compare it'],
    ['(delay > 0', 'at position 11: expected ")", found the end'],
    ['delay > 0)', 'at position 10: expected "and", "or" or the end of the filter, found ")"'],
    ['not', 'at position 4: expected a field name, found the end'],
    ['delay > 0 or', 'at position 13: expected a field name, found the end'],
    ['gate == 3', 'unknown field "gate" (fields: origin, destination, delay, distance, date, cancelled, notes)'],
    ['origin in ORD', 'at position 11: expected "[" or "(", found "ORD"'],
    ['origin in (ORD, ATL]', 'at position 20: expected "," or ")", found "]"'],
  ])('refuses %j: %s', (expression, message) => {
    expect(compileFilter(expression, FLIGHTS)).toBe(message);
  });
});
