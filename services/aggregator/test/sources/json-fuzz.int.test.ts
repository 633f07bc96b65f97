import type { DeadLetter, ProblemCode } from '@streamtally/contracts';
import { readTopic, seededRandom, topicRecordCount, uniqueName, waitFor } from '@streamtally/test-support';
import { AggregatorHarness, startAggregator } from '../support/aggregator-harness';

// Hostile input on a declared JSON source, as the hostile-input suite does for the Tmall rows:
// a seeded mix of good records and every kind of malformed one. Every bad record becomes one
// dead letter with its code (and the field's path), every good one is counted once, and the
// job goes on.
const SEED = 21;
const RECORDS = 2000;
const BASE = 1_700_000_000_000;

type Made = { value: Buffer | string | null } & ({ good: true; kind: string } | { good: false; code: ProblemCode; field?: string });

function good(i: number, kind: string): Record<string, unknown> {
  return { meta: { at: BASE + i }, kind, payload: { values: [0, i] }, flags: { ok: i % 2 === 0 } };
}

/** Each bad case: how to spoil a good record, and what the aggregator must say. */
const BAD: ((i: number) => Made)[] = [
  (i) => ({ value: `{"meta":{"at":${BASE + i}},"kind":`, good: false, code: 'not_json' }),
  () => ({ value: '[1,2,3]', good: false, code: 'not_an_object' }),
  () => ({ value: Buffer.from([0x7b, 0x22, 0xc3, 0x28, 0x22, 0x3a, 0x31, 0x7d]), good: false, code: 'undecodable' }),
  () => ({ value: null, good: false, code: 'no_value' }),
  (i) => ({ value: JSON.stringify({ ...good(i, 'a'), payload: { values: [0] } }), good: false, code: 'missing_field', field: 'payload.values[1]' }),
  (i) => ({ value: JSON.stringify({ ...good(i, 'a'), payload: { values: [0, String(i)] } }), good: false, code: 'wrong_type', field: 'payload.values[1]' }),
  (i) => ({ value: JSON.stringify({ ...good(i, 'a'), meta: { at: 'yesterday' } }), good: false, code: 'bad_time', field: 'meta.at' }),
  (i) => ({ value: JSON.stringify(good(i, 'k'.repeat(17))), good: false, code: 'too_large', field: 'kind' }),
  (i) => ({ value: JSON.stringify({ ...good(i, 'a'), padding: 'x'.repeat(600) }), good: false, code: 'too_large' }),
  (i) => ({ value: JSON.stringify({ ...good(i, 'a'), flags: { ok: 'yes' } }), good: false, code: 'wrong_type', field: 'flags.ok' }),
];

function records(): Made[] {
  const random = seededRandom(SEED);
  return Array.from({ length: RECORDS }, (_, i) => {
    if (random() < 0.6) {
      const kind = ['a', 'b', 'c'][Math.floor(random() * 3)]!;
      // an optional field may be missing
      const record = random() < 0.2 ? { ...good(i, kind), flags: {} } : good(i, kind);
      return { value: JSON.stringify(record), good: true, kind };
    }
    return BAD[Math.floor(random() * BAD.length)]!(i);
  });
}

describe('a declared JSON source under hostile input', () => {
  let harness: AggregatorHarness | undefined;
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  it(`seed ${SEED}: every bad record dead-lettered once with its code and path, every good one counted once`, async () => {
    const topic = uniqueName('hostile-json');
    harness = await startAggregator({
      sources: [
        {
          name: 'events',
          topic,
          format: 'json',
          fields: {
            at: { path: 'meta.at', type: 'timestamp' },
            kind: { type: 'string', maxLength: 16 },
            n: { path: 'payload.values[1]', type: 'integer' },
            ok: { path: 'flags.ok', type: 'boolean', optional: true },
          },
          time: 'at',
          maxRecordBytes: 512,
        },
      ],
      jobs: [{ name: 'kinds', source: 'events', key: { field: 'kind' }, window: { type: 'running' }, emitEveryMs: 100 }],
    });
    const made = records();
    // one partition: the offsets below are the records' positions
    await harness.writeRaw(
      topic,
      made.map((m) => ({ partition: 0, value: m.value })),
    );
    const expected: Record<string, number> = {};
    for (const m of made) if (m.good) expected[m.kind] = (expected[m.kind] ?? 0) + 1;
    const bad = made.flatMap((m, offset) => (m.good ? [] : [{ offset: String(offset), code: m.code, field: m.field }]));
    expect(bad.length).toBeGreaterThan(600);
    expect(new Set(bad.map((b) => b.code)).size).toBe(8); // every code drawn at least once

    const h = harness;
    const total = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);
    const wanted = total(expected);
    const running = await waitFor(
      () => {
        const result = [...h.latestResults().values()].find((r) => r.job === 'kinds');
        return result && total(result.counts) >= wanted ? result : undefined;
      },
      { what: `${wanted} good records counted`, timeoutMs: 60_000 },
    );
    expect(running.counts).toEqual(expected);
    const letters = (await readTopic(h.kafka, h.config.DEAD_LETTER_TOPIC, bad.length)).map((r) => JSON.parse(r.value!) as DeadLetter);
    const byOffset = new Map(letters.map((l) => ['offset' in l.source ? l.source.offset : '', l]));
    expect(byOffset.size).toBe(bad.length); // one each
    expect(await topicRecordCount(h.kafka, h.config.DEAD_LETTER_TOPIC)).toBe(bad.length); // none twice
    for (const { offset, code, field } of bad) {
      const letter = byOffset.get(offset);
      expect({ offset, code: letter?.code, field: letter?.field }).toEqual({ offset, code, field });
      expect(letter?.reason).toMatch(code === 'no_value' ? /no value/ : /^source "events": /);
    }
  }, 120_000);
});
