import type { WindowResult } from '@streamtally/contracts';
import { seededRandom, topicRecordCount, waitFor } from '@streamtally/test-support';
import { AggregatorHarness, startAggregator } from '../support/aggregator-harness';
import { clicksSource } from '../support/sources';

// Session windows end to end (real Kafka and Redis) against a plain reference: seeded users'
// clicks in sessions with gaps, spread over both partitions (a user's sessions are cut by
// different batches of different partitions and merged in Redis), events that bridge two
// sessions arriving minutes of event time after both, and events beyond the allowed lateness.
const GAP = 60_000;
const LATENESS = 10 * 60_000;
const T0 = Date.UTC(2001, 0, 1);
const USERS = 12;

interface Click {
  at: number;
  user: string;
  amount: number;
  page: string;
  partition: number;
}

/** Each user's sessions (gaps under GAP inside, at least GAP between), some pairs bridged by an event written late; the stream per partition. */
function generate(seed: number): { stream: Click[]; late: Click[] } {
  const random = seededRandom(seed);
  const int = (n: number) => Math.floor(random() * n);
  const clicks: (Click & { writtenAt: number })[] = [];
  for (let u = 0; u < USERS; u += 1) {
    let at = T0 + int(10 * GAP);
    for (let s = 0; s < 3 + int(4); s += 1) {
      const events = 1 + int(8);
      for (let e = 0; e < events; e += 1) {
        if (e > 0) at += int(GAP);
        clicks.push({ at, user: `user-${u}`, amount: int(100), page: `p${int(20)}`, partition: int(2), writtenAt: at });
      }
      const bridged = random() < 0.4;
      const pause = bridged ? GAP + 1 + int(GAP - 2) : GAP + int(3 * GAP);
      // a bridge: halfway, less than GAP from both sides, written 1-4 minutes of event time later
      if (bridged)
        clicks.push({
          at: at + Math.floor(pause / 2),
          user: `user-${u}`,
          amount: int(100),
          page: `p${int(20)}`,
          partition: int(2),
          writtenAt: at + pause + GAP + int(3 * GAP),
        });
      at += pause;
    }
  }
  clicks.sort((a, b) => a.writtenAt - b.writtenAt);
  // beyond the lateness: behind its partition's newest event by more than LATENESS + GAP
  const late: Click[] = [];
  const newest = [-Infinity, -Infinity];
  const stream: Click[] = [];
  for (const [i, c] of clicks.entries()) {
    stream.push(c);
    newest[c.partition] = Math.max(newest[c.partition]!, c.at);
    if (i % 40 === 20) {
      const tooLate = { at: newest[c.partition]! - LATENESS - GAP - 60_000, user: c.user, amount: 1, page: 'late', partition: c.partition };
      stream.push(tooLate);
      late.push(tooLate);
    }
  }
  return { stream: stream.map(({ at, user, amount, page, partition }) => ({ at, user, amount, page, partition })), late };
}

/** The reference: per user, the events not late in time order, cut where two are GAP or more apart. */
function referenceSessions(stream: Click[]) {
  const byUser = new Map<string, Click[]>();
  for (const c of stream) if (c.page !== 'late') byUser.set(c.user, [...(byUser.get(c.user) ?? []), c]);
  const sessions = new Map<string, { start: number; end: number; n: number; spent: number; most: number; pages: number }>();
  for (const [user, clicks] of byUser) {
    clicks.sort((a, b) => a.at - b.at);
    let group: Click[] = [];
    const flush = () => {
      if (group.length === 0) return;
      const amounts = group.map((c) => c.amount);
      sessions.set(`${group[0]!.at}|${user}`, {
        start: group[0]!.at,
        end: group.at(-1)!.at + GAP,
        n: group.length,
        spent: amounts.reduce((a, b) => a + b, 0),
        most: Math.max(...amounts),
        pages: new Set(group.map((c) => c.page)).size,
      });
      group = [];
    };
    for (const c of clicks) {
      if (group.length > 0 && c.at - group.at(-1)!.at >= GAP) flush();
      group.push(c);
    }
    flush();
  }
  return sessions;
}

const session = { key: { field: 'user' }, window: { type: 'session', gapMs: GAP }, allowedLatenessMs: LATENESS, emitEveryMs: 100 };

describe('session windows end to end', () => {
  let h: AggregatorHarness | undefined;
  afterEach(async () => {
    await h?.close();
  });

  it('gives the sessions a plain reference gives, merged across partitions and late bridges; a final-only job writes each once', async () => {
    const topic = `clicks-${Date.now()}`;
    const aggregates = [
      { name: 'n', op: 'count' },
      { name: 'spent', op: 'sum', field: 'amount' },
      { name: 'most', op: 'max', field: 'amount' },
      { name: 'pages', op: 'distinct', field: 'page' },
    ];
    h = await startAggregator(
      {
        sources: [clicksSource(topic)],
        jobs: [
          { name: 'visits', source: 'clicks', ...session, aggregates },
          { name: 'visits-final', source: 'clicks', ...session, emit: 'final' },
        ],
      },
      // every partition counted and quiet for this long closes every session: more than the writes take
      { IDLE_TIMEOUT_MS: '4000' },
    );
    const { stream, late } = generate(7);
    const expected = referenceSessions(stream);
    for (let at = 0; at < stream.length; at += 60) {
      await h.write(
        topic,
        stream.slice(at, at + 60).map(({ partition, ...value }) => ({ partition, value })),
      );
    }
    const sessionsOf = (job: string) => [...h!.latestResults().values()].filter((r) => r.job === job && r.mergedInto === undefined);
    await waitFor(() => sessionsOf('visits-final').length === expected.size && sessionsOf('visits').filter((r) => r.final).length === expected.size, {
      what: `${expected.size} sessions final`,
      timeoutMs: 60_000,
    });
    const asReference = (r: WindowResult): [string, unknown] => [
      `${r.windowStart}|${r.sessionKey}`,
      { start: r.windowStart, end: r.windowEnd, n: r.counts[r.sessionKey!], spent: r.values?.[r.sessionKey!]?.spent, most: r.values?.[r.sessionKey!]?.most },
    ];
    const withoutPages = new Map([...expected].map(([id, { pages: _pages, ...rest }]) => [id, rest]));
    expect(new Map(sessionsOf('visits').map(asReference))).toEqual(withoutPages);
    for (const r of sessionsOf('visits')) {
      const want = expected.get(`${r.windowStart}|${r.sessionKey}`)!.pages;
      expect(Math.abs(r.values![r.sessionKey!]!.pages! - want)).toBeLessThanOrEqual(1);
    }
    // sessions a bridge or another partition joined to an earlier one were retracted, each into
    // an earlier start, and each lies inside one of its user's sessions
    const retracted = [...h.latestResults().values()].filter((r) => r.job === 'visits' && r.mergedInto !== undefined);
    expect(retracted.length).toBeGreaterThan(0);
    const sessionsOfUser = (user: string) => [...expected].filter(([id]) => id.endsWith(`|${user}`)).map(([, s]) => s);
    for (const r of retracted) {
      expect(r).toMatchObject({ final: true, counts: {} });
      expect(r.mergedInto!).toBeLessThan(r.windowStart);
      expect(sessionsOfUser(r.sessionKey!).some((s) => s.start <= r.mergedInto! && r.windowEnd! <= s.end)).toBe(true);
    }
    // final only: one result per session, final, no retraction
    const finalOnly = h.resultsSeen().filter((r) => r.job === 'visits-final');
    expect(finalOnly.every((r) => r.final && r.mergedInto === undefined)).toBe(true);
    expect(new Set(finalOnly.map((r) => `${r.windowStart}|${r.sessionKey}`)).size).toBe(finalOnly.length);
    expect(new Map(finalOnly.map((r) => [`${r.windowStart}|${r.sessionKey}`, r.counts[r.sessionKey!]]))).toEqual(
      new Map([...expected].map(([id, s]) => [id, s.n])),
    );
    // the late events: on the late-events topic, once per job
    expect(late.length).toBeGreaterThan(3);
    await waitFor(async () => (await topicRecordCount(h!.kafka, h!.config.LATE_EVENTS_TOPIC)) === 2 * late.length, { what: 'late events', timeoutMs: 10_000 });
  }, 120_000);
});
