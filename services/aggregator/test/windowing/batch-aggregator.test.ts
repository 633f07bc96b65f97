import { userAction } from '../support/events';
import { parseJobs } from '../../src/jobs/jobs-file';
import { aggregateBatch, type CellRows, InputMessage, oldestWrittenAt } from '../../src/windowing/batch-aggregator';
import { perCellOf } from '../support/cell-rows';

function jobsOf(defs: unknown[]) {
  const parsed = parseJobs(defs);
  if (!parsed.ok) throw new Error(parsed.errors.join('; '));
  return parsed.jobs;
}

// extra may make it invalid on purpose (dead-letter cases)
const event = (ts: number, extra: Record<string, unknown> = {}) => ({ ...userAction({ ts, user_id: 1, line: 2 }), ...extra });
const messages = (values: unknown[]): InputMessage[] =>
  values.map((v, i) => ({ offset: String(i), value: typeof v === 'string' ? Buffer.from(v) : Buffer.from(JSON.stringify(v)) }));

const genderJob = { name: 'g', source: 't', key: { field: 'gender' }, window: { type: 'tumbling', sizeMs: 1000 }, allowedLatenessMs: 500 };

describe('aggregateBatch', () => {
  it('counts per window and key, with out-of-order events in their own windows', () => {
    const out = aggregateBatch({
      topic: 't',
      partition: 0,
      jobs: jobsOf([genderJob]),
      maxTs: -Infinity,
      closedBefore: new Map(),
      now: 0,
      messages: messages([event(1100), event(1900, { gender: 1 }), event(2100), event(1500, { gender: 1 })]),
    });
    expect(Object.fromEntries([...out.deltas].map(([id, d]) => [id, Object.fromEntries(d.counts)]))).toEqual({
      'g@1000': { '0': 1, '1': 2 },
      'g@2000': { '0': 1 },
    });
    expect(out.maxTs).toBe(2100);
    expect(out.late).toEqual([]);
  });

  it('sends an event beyond the allowed lateness to the late list, never into a count', () => {
    const out = aggregateBatch({
      topic: 't',
      partition: 3,
      jobs: jobsOf([genderJob]),
      maxTs: 2600,
      closedBefore: new Map(),
      now: 0,
      messages: messages([event(1999), event(2050)]),
    });
    // watermark 2600 - 500 = 2100: window [1000, 2000) is closed, [2000, 3000) still open
    expect(out.late).toEqual([
      expect.objectContaining({
        job: 'g',
        windowStart: 1000,
        windowEnd: 2000,
        eventTs: 1999,
        watermark: 2100,
        source: { topic: 't', partition: 3, offset: '0' },
      }),
    ]);
    expect([...out.deltas.keys()]).toEqual(['g@2000']);
    expect(out.latePerJob.get('g')).toBe(1);
  });

  it("treats windows at or before the job's closed point as closed", () => {
    const out = aggregateBatch({
      topic: 't',
      partition: 0,
      jobs: jobsOf([genderJob]),
      maxTs: -Infinity,
      closedBefore: new Map([['g', 3000]]),
      now: 0,
      messages: messages([event(2500), event(3000)]),
    });
    expect(out.late.map((l) => l.windowStart)).toEqual([2000]);
    expect([...out.deltas.keys()]).toEqual(['g@3000']);
  });

  it('applies filters, hopping windows and running totals', () => {
    const jobs = jobsOf([
      { name: 'purchases', source: 't', filter: 'action == 2', key: { field: 'gender' }, window: { type: 'tumbling', sizeMs: 1000 } },
      { name: 'prov', source: 't', key: { field: 'province' }, window: { type: 'hopping', sizeMs: 2000, slideMs: 1000 } },
      { name: 'total', source: 't', key: { field: 'gender' }, window: { type: 'running' } },
    ]);
    const out = aggregateBatch({
      topic: 't',
      partition: 0,
      jobs,
      maxTs: -Infinity,
      closedBefore: new Map([['total', 99_999]]),
      now: 0,
      messages: messages([event(1500, { action: 2 }), event(1600)]),
    });
    expect(Object.fromEntries(out.deltas.get('purchases@1000')!.counts)).toEqual({ '0': 1 });
    expect(Object.fromEntries(out.deltas.get('prov@0')!.counts)).toEqual({ 上海: 2 });
    expect(Object.fromEntries(out.deltas.get('prov@1000')!.counts)).toEqual({ 上海: 2 });
    expect(Object.fromEntries(out.deltas.get('total@0')!.counts)).toEqual({ '0': 2 });
    expect(out.late).toEqual([]); // a running total is never late
  });

  it('counts words of text lines', () => {
    const jobs = jobsOf([{ name: 'wc', source: 'lines', format: 'text-line', key: { words: 'text' }, window: { type: 'tumbling', sizeMs: 10_000 } }]);
    const out = aggregateBatch({
      topic: 'lines',
      partition: 0,
      jobs,
      maxTs: -Infinity,
      closedBefore: new Map(),
      now: 0,
      messages: messages([
        { text: 'To be, or not to be!', ts: 5, source: 'stdin' },
        { text: '  ', ts: 6, source: 'stdin' },
      ]),
    });
    expect(Object.fromEntries(out.deltas.get('wc@0')!.counts)).toEqual({ to: 2, be: 2, or: 1, not: 1 });
  });

  it('dead-letters malformed records with the reason and where they came from, and goes on', () => {
    const out = aggregateBatch({
      topic: 't',
      partition: 2,
      jobs: jobsOf([genderJob]),
      maxTs: -Infinity,
      closedBefore: new Map(),
      now: 77,
      messages: messages(['{nope', event(1000, { gender: 9 }), event(1000)]),
    });
    expect(out.deadLetters.map((d) => d.letter.reason)).toEqual([expect.stringContaining('not JSON'), 'field gender: expected a gender code 0, 1 or 2']);
    expect(out.deadLetters[0]).toMatchObject({ key: 't/2/0', letter: { source: { topic: 't', partition: 2, offset: '0' }, encoding: 'base64', at: 77 } });
    expect(Object.fromEntries(out.deltas.get('g@1000')!.counts)).toEqual({ '0': 1 });
  });
});

describe('aggregateBatch: aggregates beside the counts', () => {
  const flights = {
    name: 'flights',
    topic: 'flights',
    format: 'json',
    fields: { date: { type: 'timestamp' }, origin: { type: 'string' }, delay: { type: 'integer', optional: true }, fare: { type: 'number' } },
    time: 'date',
  };
  const aggregates = [
    { name: 'n', op: 'count' },
    { name: 'fares', op: 'sum', field: 'fare', decimals: 2 },
    { name: 'minDelay', op: 'min', field: 'delay' },
    { name: 'maxDelay', op: 'max', field: 'delay' },
    { name: 'avgDelay', op: 'avg', field: 'delay' },
  ];
  const parsed = parseJobs({
    sources: [flights],
    jobs: [{ name: 'f', source: 'flights', key: { field: 'origin' }, window: { type: 'tumbling', sizeMs: 1000 }, aggregates }],
  });
  if (!parsed.ok) throw new Error(parsed.errors.join('; '));
  const batch = (values: unknown[]) =>
    aggregateBatch({ topic: 'flights', partition: 1, jobs: parsed.jobs, maxTs: -Infinity, closedBefore: new Map(), now: 9, messages: messages(values) });
  const cellsOf = (delta: { cells?: CellRows }) => perCellOf(delta.cells, 5);

  it("folds each cell by its op per key: fares in cents, the delay's min, max, and its sum and count of values", () => {
    const out = batch([
      { date: 100, origin: 'ORD', delay: 5, fare: 10.05 },
      { date: 200, origin: 'ORD', delay: -3, fare: 0.1 },
      { date: 300, origin: 'ORD', fare: 0.2 }, // no delay: the delay's aggregates skip it, the count does not
      { date: 400, origin: 'LAX', delay: 7, fare: 99.99 },
    ]);
    const delta = out.deltas.get('f@0')!;
    expect(Object.fromEntries(delta.counts)).toEqual({ ORD: 3, LAX: 1 });
    // cells in order: fares.sum, minDelay.min, maxDelay.max, avgDelay.sum, avgDelay.n
    expect(cellsOf(delta)).toEqual([
      { ORD: 1035, LAX: 9999 },
      { ORD: -3, LAX: 7 },
      { ORD: 5, LAX: 7 },
      { ORD: 2, LAX: 7 },
      { ORD: 2, LAX: 1 },
    ]);
  });

  it('dead-letters a record whose value cannot be kept exactly, naming the job and the field; the rest is aggregated', () => {
    const out = batch([
      { date: 100, origin: 'ORD', delay: 1, fare: 1e300 },
      { date: 200, origin: 'ORD', delay: 2, fare: 1 },
    ]);
    expect(out.deadLetters).toHaveLength(1);
    expect(out.deadLetters[0]!.letter).toMatchObject({ code: 'out_of_range', source: { topic: 'flights', partition: 1, offset: '0' } });
    expect(out.deadLetters[0]!.letter.reason).toBe(
      `job "f": field "fare": 1e+300 does not fit 2 decimal place(s) exactly (at most ±9007199254740991 in units of 10^-2)`,
    );
    expect(Object.fromEntries(out.deltas.get('f@0')!.counts)).toEqual({ ORD: 1 });
    expect(cellsOf(out.deltas.get('f@0')!)[0]).toEqual({ ORD: 100 });
  });

  it('a count-only job keeps no cells at all (the tutorial jobs pay nothing for aggregates)', () => {
    const out = aggregateBatch({
      topic: 't',
      partition: 0,
      jobs: jobsOf([genderJob]),
      maxTs: -Infinity,
      closedBefore: new Map(),
      now: 0,
      messages: messages([event(1000)]),
    });
    expect(out.deltas.get('g@1000')!.cells).toBeUndefined();
  });
});

describe('oldestWrittenAt', () => {
  const at = (...timestamps: (string | undefined)[]): InputMessage[] => timestamps.map((timestamp, i) => ({ offset: String(i), value: null, timestamp }));
  it("is the batch's oldest Kafka timestamp, whatever the order", () => {
    expect(oldestWrittenAt(at('1700000000300', '1700000000100', '1700000000200'))).toBe(1700000000100);
  });
  it('skips records without one, and is undefined when none has one', () => {
    expect(oldestWrittenAt(at(undefined, '42', 'x'))).toBe(42);
    expect(oldestWrittenAt(at(undefined))).toBeUndefined();
    expect(oldestWrittenAt([])).toBeUndefined();
  });
});
