import { parseJobs } from '../../src/jobs/jobs-file';
import { aggregateBatch, InputMessage } from '../../src/windowing/batch-aggregator';
import { isLateForSession, MAX_SESSION_KEY_LENGTH } from '../../src/windowing/sessions';

const clicks = {
  name: 'clicks',
  topic: 'clicks',
  format: 'json',
  fields: { at: { type: 'timestamp' }, user: { type: 'string', maxLength: 65_536 }, amount: { type: 'integer', optional: true } },
  time: 'at',
};
const parsed = parseJobs({
  sources: [clicks],
  jobs: [
    {
      name: 'visits',
      source: 'clicks',
      key: { field: 'user' },
      window: { type: 'session', gapMs: 100 },
      allowedLatenessMs: 50,
      aggregates: [
        { name: 'n', op: 'count' },
        { name: 'spent', op: 'sum', field: 'amount' },
      ],
    },
  ],
});
if (!parsed.ok) throw new Error(parsed.errors.join('; '));
const messages = (values: unknown[]): InputMessage[] => values.map((v, i) => ({ offset: String(i), value: Buffer.from(JSON.stringify(v)) }));
const batch = (values: unknown[], maxTs = -Infinity, closedBefore = -Infinity) =>
  aggregateBatch({
    topic: 'clicks',
    partition: 0,
    jobs: parsed.jobs,
    maxTs,
    closedBefore: new Map([['visits', closedBefore]]),
    now: 1,
    messages: messages(values),
  });
const sessionsOf = (out: ReturnType<typeof batch>) =>
  [...out.deltas.values()].map((d) => ({
    key: d.sessionKey,
    start: d.windowStart,
    end: d.windowEnd,
    n: d.counts.get(d.sessionKey!),
    spent: d.cells!.get(d.sessionKey!)![0],
  }));

describe('session windows in a batch', () => {
  it("cuts each key's events, in time order, into sessions where they are gapMs or more apart", () => {
    const out = batch([
      { at: 1000, user: 'ann', amount: 5 },
      { at: 1000, user: 'bob' },
      { at: 1150, user: 'ann', amount: 1 }, // 150 after ann's first: alone, a new session…
      { at: 1099, user: 'ann', amount: 2 }, // …but this one, out of order, is 99 after 1000 and 51 before 1150: one session
      { at: 1300, user: 'bob', amount: 7 }, // 300 after bob's first: a new session
      { at: 1400, user: 'bob' }, // exactly gapMs after 1300: a new session (a gap of gapMs ends one)
    ]);
    expect(sessionsOf(out)).toEqual([
      { key: 'ann', start: 1000, end: 1250, n: 3, spent: 8 },
      { key: 'bob', start: 1000, end: 1100, n: 1, spent: undefined },
      { key: 'bob', start: 1300, end: 1400, n: 1, spent: 7 },
      { key: 'bob', start: 1400, end: 1500, n: 1, spent: undefined },
    ]);
    expect([...out.deltas.keys()]).toEqual(['visits@1000@ann', 'visits@1000@bob', 'visits@1300@bob', 'visits@1400@bob']);
    expect(out.eventsPerJob.get('visits')).toBe(6);
  });

  it("sends an event to the late list when its own session ended before its partition's watermark, or it is older than the closed point", () => {
    // watermark 2000 - 50 = 1950: an event at 1849 (session to 1949) is late, one at 1851 is not
    const out = batch(
      [
        { at: 1849, user: 'ann' },
        { at: 1851, user: 'ann' },
      ],
      2000,
    );
    expect(out.late.map((l) => [l.eventTs, l.windowStart, l.windowEnd, l.watermark])).toEqual([[1849, 1849, 1949, 1950]]);
    expect(sessionsOf(out)).toEqual([{ key: 'ann', start: 1851, end: 1951, n: 1, spent: undefined }]);
    // the closed point: the end of the newest session closed; an older event might belong to one
    const closed = batch([{ at: 2990, user: 'ann' }], -Infinity, 3000);
    expect(closed.late.map((l) => l.eventTs)).toEqual([2990]);
    expect(isLateForSession(3000, 100, -Infinity, 3000)).toBe(false);
  });

  it('dead-letters an event whose key is too long to name a session, naming the job; the others are counted', () => {
    const out = batch([
      { at: 1000, user: 'x'.repeat(MAX_SESSION_KEY_LENGTH + 1) },
      { at: 1000, user: 'ann' },
    ]);
    expect(out.deadLetters).toHaveLength(1);
    expect(out.deadLetters[0]!.letter).toMatchObject({ code: 'too_large', reason: expect.stringContaining('job "visits": a session key of 16385 characters') });
    expect(sessionsOf(out).map((s) => s.key)).toEqual(['ann']);
  });

  it('dead-letters a record once per job however many of its words are too long to name a session', () => {
    const words = parseJobs({
      sources: [{ ...clicks, fields: { ...clicks.fields, note: { type: 'string', maxLength: 65_536 } } }],
      jobs: [{ name: 'talk', source: 'clicks', key: { words: 'note' }, window: { type: 'session', gapMs: 100 } }],
    });
    if (!words.ok) throw new Error(words.errors.join('; '));
    const long = 'x'.repeat(MAX_SESSION_KEY_LENGTH + 1);
    const out = aggregateBatch({
      topic: 'clicks',
      partition: 0,
      jobs: words.jobs,
      maxTs: -Infinity,
      closedBefore: new Map(),
      now: 1,
      messages: messages([{ at: 1000, user: 'ann', note: `${long} hello ${long}y` }]),
    });
    expect(out.deadLetters).toHaveLength(1);
    expect([...out.deltas.values()].map((d) => d.sessionKey)).toEqual(['hello']);
  });
});
