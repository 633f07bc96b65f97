import { parseProducerConfig } from '../src/config';
import { planInput } from '../src/input-plan';

const FLIGHTS = {
  name: 'flights',
  topic: 'flights',
  format: 'json',
  fields: { date: { type: 'timestamp', format: 'yyyy/MM/dd HH:mm' }, origin: { type: 'string' } },
  time: 'date',
};
const JOBS_FILE = JSON.stringify({
  sources: [FLIGHTS, { name: 'clicks', topic: 'clicks', format: 'user-action' }],
  jobs: [{ name: 'per-origin', source: 'flights', key: { field: 'origin' }, window: { type: 'tumbling', sizeMs: 3_600_000 } }],
});

function plan(given: Record<string, string>, files: Record<string, string> = { 'jobs.json': JOBS_FILE }) {
  const parsed = parseProducerConfig({ KAFKA_BROKERS: 'kafka:9092', ...given });
  if (!parsed.ok) throw new Error(parsed.errors.join('; '));
  return planInput(parsed.config, given, (file) => {
    if (!(file in files)) throw Object.assign(new Error(`ENOENT: ${file}`), { code: 'ENOENT' });
    return files[file]!;
  });
}

const errorsOf = (outcome: ReturnType<typeof plan>) => (outcome.ok ? [] : outcome.errors);

describe('planInput: what the replay reads', () => {
  it('without SOURCE_FILE: the user_log file into user-actions, as always', () => {
    expect(plan({})).toMatchObject({
      ok: true,
      config: { INPUT_TOPIC: 'user-actions', DEAD_LETTER_TOPIC: 'user-actions.dlq' },
      rows: { kind: 'user-log', userLog: { year: 2015, maxRowBytes: 4096, maxFieldBytes: 256 } },
    });
  });

  it("the jobs file itself declares the source: its topic, a dead-letter topic beside it, the file's kind from its extension", () => {
    expect(plan({ SOURCE_FILE: 'jobs.json', INPUT_FILE: 'data/flights.json', KEY_FIELD: 'origin' })).toMatchObject({
      ok: true,
      config: { INPUT_TOPIC: 'flights', DEAD_LETTER_TOPIC: 'flights.dlq' },
      rows: { kind: 'json', source: { name: 'flights', keyField: 'origin', declaration: { fields: FLIGHTS.fields, time: 'date' } }, maxRowBytes: 1024 * 1024 },
    });
    expect(plan({ SOURCE_FILE: 'one.json', INPUT_FILE: 'x.CSV', DEAD_LETTER_TOPIC: 'bad' }, { 'one.json': JSON.stringify(FLIGHTS) })).toMatchObject({
      ok: true,
      config: { INPUT_TOPIC: 'flights', DEAD_LETTER_TOPIC: 'bad' },
      rows: { kind: 'csv' },
    });
    expect(plan({ SOURCE_FILE: 'jobs.json', INPUT_FILE: 'export.txt', INPUT_FORMAT: 'csv' })).toMatchObject({ ok: true, rows: { kind: 'csv' } });
  });

  it.each([
    [{ KEY_FIELD: 'origin' }, "KEY_FIELD: belongs to a declared source's replay; set SOURCE_FILE too"],
    [{ SOURCE_FILE: 'missing.json', INPUT_FILE: 'f.json' }, 'SOURCE_FILE missing.json: does not exist'],
    [{ SOURCE_FILE: 'broken.json', INPUT_FILE: 'f.json' }, 'SOURCE_FILE broken.json: not JSON: '],
    [
      { SOURCE_FILE: 'jobs.json', SOURCE_NAME: 'trains', INPUT_FILE: 'f.json' },
      'SOURCE_FILE jobs.json: SOURCE_NAME "trains" is not declared here (sources: flights, clicks)',
    ],
    [{ SOURCE_FILE: 'jobs.json', SOURCE_NAME: 'clicks', INPUT_FILE: 'f.json' }, 'source "clicks" has format "user-action"'],
    [{ SOURCE_FILE: 'jobs.json', INPUT_FILE: 'f.json', KEY_FIELD: 'gate' }, 'KEY_FIELD: "gate" is not a field of source "flights" (its fields: date, origin)'],
    [{ SOURCE_FILE: 'jobs.json', INPUT_FILE: 'f.json', INPUT_TOPIC: 'other' }, 'INPUT_TOPIC: source "flights" writes to topic flights'],
    [{ SOURCE_FILE: 'jobs.json', INPUT_FILE: 'f.json', DEAD_LETTER_TOPIC: 'flights' }, "DEAD_LETTER_TOPIC: must differ from the source's topic (flights)"],
    [{ SOURCE_FILE: 'jobs.json' }, 'INPUT_FILE: name the file to replay for source "flights"'],
    [{ SOURCE_FILE: 'jobs.json', INPUT_FILE: 'f.parquet' }, "INPUT_FORMAT: cannot tell from INPUT_FILE f.parquet's extension"],
    [
      { SOURCE_FILE: 'bad-field.json', INPUT_FILE: 'f.json' },
      'SOURCE_FILE bad-field.json: source "flights": fields.date: time format "dd.MM.yyyy hh": unknown letter "h"',
    ],
    [
      { SOURCE_FILE: 'kafka-time.json', INPUT_FILE: 'f.json', PACE: 'dates' },
      'PACE: "dates" paces by the file\'s own times, but source "flights" takes its time from Kafka',
    ],
    [{ SOURCE_FILE: 'two.json', INPUT_FILE: 'f.json' }, 'SOURCE_FILE two.json: declares 2 json sources (flights, trains); set SOURCE_NAME to one'],
    [{ SOURCE_FILE: 'array.json', INPUT_FILE: 'f.json' }, 'SOURCE_FILE array.json: expected a source'],
  ])('%j is refused: %s', (given, message) => {
    const files = {
      'jobs.json': JOBS_FILE,
      'broken.json': '{"sources": [',
      'bad-field.json': JSON.stringify({ ...FLIGHTS, fields: { ...FLIGHTS.fields, date: { type: 'timestamp', format: 'dd.MM.yyyy hh' } } }),
      'kafka-time.json': JSON.stringify({ ...FLIGHTS, time: 'kafka' }),
      'two.json': JSON.stringify({ sources: [FLIGHTS, { ...FLIGHTS, name: 'trains' }], jobs: [] }),
      'array.json': JSON.stringify([FLIGHTS]),
    };
    expect(errorsOf(plan(given as Record<string, string>, files)).join('\n')).toContain(message);
  });
});
