import { JsonRecordReader } from '@streamtally/contracts/sources';
import { BatchSender } from '../../src/replay/batch-sender';
import { unpackBatch } from '../../src/replay/packed-batch';
import { CsvRows } from '../../src/rows/csv-rows';
import type { EventRows } from '../../src/rows/event-rows';
import { HEADER } from '../../src/rows/event-rows';
import { JsonRows } from '../../src/rows/json-rows';

const DECLARATION = {
  fields: {
    when: { column: 'Flight Date', type: 'timestamp', format: 'yyyy-MM-dd HH:mm', zone: '+02:00' },
    state: { column: 'Origin "State"', path: 'origin.state', type: 'string' },
    cost: { column: 'Cost Total $', type: 'number' },
    seats: { column: 'Seats', type: 'integer', optional: true },
    night: { column: 'Night?', type: 'boolean', optional: true },
    coordinates: { column: 'Lat', path: 'geo.coordinates[1]', type: 'number', optional: true },
  },
  time: 'when',
};

function reader(declaration: unknown = DECLARATION): JsonRecordReader {
  const compiled = JsonRecordReader.compile('strikes', declaration);
  if (!compiled.ok) throw new Error(compiled.errors.join('; '));
  return compiled.reader;
}

/** Feeds `lines` to `rows` as a file and returns what each line became: the sent event, HEADER, or its problem. */
async function replay(rows: EventRows, lines: string[]) {
  const sent: { key: string | null; value: unknown }[] = [];
  const sender = new BatchSender({
    send: async (packed) => {
      for (const m of unpackBatch(packed).byTopic.get('strikes-topic') ?? [])
        sent.push({ key: m.key?.toString() ?? null, value: JSON.parse(m.value.toString()) });
    },
    maxMessages: 1,
    maxBytes: 1e6,
  });
  const cutter = rows.startPass();
  const records = [...cutter.push(Buffer.from(lines.join('\n'))), ...cutter.end()];
  const outcomes: unknown[] = [];
  for (const record of records) {
    const read = rows.read(record);
    if (typeof read !== 'number') {
      outcomes.push(read);
      continue;
    }
    const tooLarge = rows.encode(0, record);
    if (tooLarge) outcomes.push(tooLarge);
    else {
      await rows.addTo(sender);
      await sender.drain();
      outcomes.push({ time: read, sent: sent[sent.length - 1] });
    }
  }
  return outcomes;
}

const topic = (maxRecordBytes = 1e6) => ({ topic: 'strikes-topic', maxRecordBytes });

describe('CsvRows: a declared source replayed from a CSV export', () => {
  const HEADER_LINE = 'Flight Date,"Origin ""State""",Cost Total $,Seats,Night?,Lat';

  it('reads columns by the names the header gives them, and writes each row as the JSON the declaration reads back', async () => {
    const outcomes = await replay(new CsvRows(reader(), topic(), 'state', 4096), [
      `\uFEFF${HEADER_LINE}`,
      '2001-01-01 00:47,"Texas, USA",12.5,180,true,31.9',
      '2001-01-01 01:10,Ohio,0,,no,',
    ]);
    expect(outcomes[0]).toBe(HEADER);
    expect(outcomes[1]).toEqual({
      time: Date.UTC(2000, 11, 31, 22, 47),
      sent: {
        key: 'Texas, USA',
        value: { when: '2001-01-01 00:47', origin: { state: 'Texas, USA' }, cost: 12.5, seats: 180, night: true, geo: { coordinates: [null, 31.9] } },
      },
    });
    expect(outcomes[2]).toEqual({
      time: Date.UTC(2000, 11, 31, 23, 10),
      sent: { key: 'Ohio', value: { when: '2001-01-01 01:10', origin: { state: 'Ohio' }, cost: 0, night: false } },
    });
  });

  it('refuses a row naming the column and field: a wrong type, a missing value, a bad time, a short row', async () => {
    const outcomes = await replay(new CsvRows(reader(), topic(), undefined, 4096), [
      HEADER_LINE,
      '2001-01-01 00:47,Texas,lots,1,true,1',
      '2001-01-01 00:47,Texas,1,1.5,true,1',
      '2001-01-01 00:47,,1,1,true,1',
      '01/01/2001,Texas,1,1,true,1',
      '2001-01-01 00:47,Texas,1',
      '2001-01-01 00:47,Texas,1,1,maybe,1',
    ]);
    expect(outcomes.slice(1)).toEqual([
      { code: 'wrong_type', reason: 'column "Cost Total $" (field cost): expected a number, got "lots"', field: 'cost' },
      { code: 'wrong_type', reason: 'column "Seats" (field seats): expected an integer, got "1.5"', field: 'seats' },
      { code: 'missing_field', reason: 'source "strikes": field "state" (origin.state): missing (declared as not optional)', field: 'origin.state' },
      expect.objectContaining({ code: 'bad_time', field: 'when', reason: expect.stringContaining('expected text in the form yyyy-MM-dd HH:mm') }),
      { code: 'column_count', reason: 'expected 6 columns (as the header has), found 3' },
      { code: 'wrong_type', reason: 'column "Night?" (field night): expected true or false, got "maybe"', field: 'night' },
    ]);
  });

  it('a header without a needed column stops the replay at once, naming the columns it has', async () => {
    const [outcome] = await replay(new CsvRows(reader(), topic(), undefined, 4096), ['Date,State,Cost', '2001-01-01 00:47,Texas,1']);
    expect(outcome).toEqual({
      code: 'bad_header',
      reason:
        'the header has no column "Flight Date" (field when), "Origin \\"State\\"" (field state), "Cost Total $" (field cost); its columns are "Date", "State", "Cost"',
      stopsReplay: true,
    });
  });

  it('an event larger than the topic takes is refused with its size', async () => {
    const outcomes = await replay(new CsvRows(reader(), topic(60), undefined, 4096), [HEADER_LINE, '2001-01-01 00:47,Texas,1,1,true,1']);
    expect(outcomes[1]).toEqual({
      code: 'too_large_for_topic',
      reason: expect.stringMatching(/^record: \d+ bytes, more than topic strikes-topic takes \(60,/),
    });
  });

  it('epoch times in a CSV are written as numbers, as the declaration reads them', async () => {
    const epoch = reader({ fields: { at: { type: 'timestamp', format: 'epoch-s' }, n: { type: 'integer' } }, time: 'at' });
    const outcomes = await replay(new CsvRows(epoch, topic(), 'n', 4096), ['at,n', '978309000,7', 'soon,8']);
    expect(outcomes[1]).toEqual({ time: 978_309_000_000, sent: { key: '7', value: { at: 978309000, n: 7 } } });
    expect(outcomes[2]).toMatchObject({ code: 'wrong_type', reason: 'column "at" (field at): expected a number, got "soon"' });
  });
});

describe('JsonRows: a declared source replayed from a JSON file', () => {
  const quakes = reader({
    fields: { time: { path: 'properties.time', type: 'timestamp' }, net: { path: 'properties.net', type: 'string' } },
    time: 'time',
  });

  it('sends each record as it was written (every field kept), compacted when it spans lines, keyed by the key field', async () => {
    const feature = { type: 'Feature', properties: { time: 1517968154000, net: 'ak', mag: 1.2 }, geometry: { coordinates: [1, 2, 3] } };
    const outcomes = await replay(new JsonRows(quakes, topic(), 'net'), ['[', JSON.stringify(feature, null, 2), ',', JSON.stringify(feature), ']']);
    expect(outcomes).toEqual([
      { time: 1517968154000, sent: { key: 'ak', value: feature } },
      { time: 1517968154000, sent: { key: 'ak', value: feature } },
    ]);
  });

  it("refuses what the aggregator's reader refuses, with the field's path", async () => {
    const outcomes = await replay(new JsonRows(quakes, topic(), undefined), ['{"properties":{"time":"noon","net":"ak"}}', '[1]', '{"properties":{"time":1}}']);
    expect(outcomes).toEqual([
      expect.objectContaining({ code: 'bad_time', field: 'properties.time' }),
      expect.objectContaining({ code: 'not_an_object' }),
      expect.objectContaining({ code: 'missing_field', field: 'properties.net' }),
    ]);
  });
});
