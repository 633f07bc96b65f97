import { JsonRecordReader } from '../../src/sources';

const QUAKES = {
  fields: {
    time: { path: 'properties.time', type: 'timestamp' },
    mag: { path: 'properties.mag', type: 'number' },
    place: { path: 'properties.place', type: 'string', optional: true, maxLength: 40 },
    depth: { path: 'geometry.coordinates[2]', type: 'number' },
    tsunami: { path: 'properties.tsunami', type: 'integer' },
    reviewed: { path: 'properties.reviewed', type: 'boolean', optional: true },
  },
  time: 'time',
};

function reader(declaration: unknown = QUAKES): JsonRecordReader {
  const compiled = JsonRecordReader.compile('quakes', declaration);
  if (!compiled.ok) throw new Error(compiled.errors.join('\n'));
  return compiled.reader;
}

const quake = (properties: Record<string, unknown>, coordinates: unknown[] = [-117.5, 35.2, 8.1]) =>
  Buffer.from(
    JSON.stringify({
      type: 'Feature',
      properties: { time: 1_500_000_000_000, mag: 4.2, place: 'near here', tsunami: 0, ...properties },
      geometry: { coordinates },
    }),
  );

describe('JSON sources', () => {
  it('a record becomes its declared fields, by name, with its event time', () => {
    expect(reader().read(quake({}))).toEqual({
      ok: true,
      value: { time: 1_500_000_000_000, mag: 4.2, place: 'near here', depth: 8.1, tsunami: 0, reviewed: null, ts: 1_500_000_000_000 },
    });
  });

  it('the Kafka timestamp as event time', () => {
    const kafkaTime = reader({ fields: { mag: { path: 'properties.mag', type: 'number' } }, time: 'kafka' });
    expect(kafkaTime.read(quake({}), 1234)).toEqual({ ok: true, value: { mag: 4.2, ts: 1234 } });
    expect(kafkaTime.read(quake({}), undefined)).toMatchObject({ ok: false, code: 'bad_time' });
  });

  it.each([
    ['not JSON', Buffer.from('{"properties":'), 'not_json', undefined],
    ['an array', Buffer.from('[1,2]'), 'not_an_object', undefined],
    ['invalid UTF-8', Buffer.from([0x7b, 0xff, 0x7d]), 'undecodable', undefined],
    ['no value', null, 'no_value', undefined],
    ['a missing required field', quake({ mag: undefined }), 'missing_field', 'properties.mag'],
    ['a null required field', quake({ mag: null }), 'missing_field', 'properties.mag'],
    ['a missing array element', quake({}, [1, 2]), 'missing_field', 'geometry.coordinates[2]'],
    ['text for a number', quake({ mag: '4.2' }), 'wrong_type', 'properties.mag'],
    ['a fraction for an integer', quake({ tsunami: 0.5 }), 'wrong_type', 'properties.tsunami'],
    ['a number for a boolean', quake({ reviewed: 1 }), 'wrong_type', 'properties.reviewed'],
    ['an unreadable time', quake({ time: 'yesterday' }), 'bad_time', 'properties.time'],
    ['text over its bound', quake({ place: 'x'.repeat(41) }), 'too_large', 'properties.place'],
  ])('%s: a problem code, the path and the source', (_what, bytes, code, path) => {
    const outcome = reader().read(bytes as Buffer | null);
    expect(outcome).toMatchObject({ ok: false, code });
    if (outcome.ok) return;
    expect(outcome.error).toMatch(/^source "quakes": /);
    expect((outcome as { field?: string }).field).toBe(path);
    if (path) expect(outcome.error).toContain(`(${path})`);
  });

  it('a record over maxRecordBytes is refused before it is parsed', () => {
    const small = reader({ ...QUAKES, maxRecordBytes: 64 });
    expect(small.read(quake({}))).toMatchObject({ ok: false, code: 'too_large', error: expect.stringContaining('more than maxRecordBytes (64)') });
  });

  it('every mistake in a declaration, named', () => {
    const compiled = JsonRecordReader.compile('bad', {
      fields: {
        ts: { type: 'integer' },
        when: { type: 'timestamp', format: 'yyyy-MM-dd', zone: 'Nowhere/Never' },
        n: { type: 'integer', format: 'epoch-ms' },
        p: { path: 'a..b', type: 'string' },
        '9x': { type: 'string' },
      },
      time: 'n',
    });
    expect(compiled.ok ? [] : compiled.errors).toEqual([
      'source "bad": fields.ts: "ts" is the event time\'s name; call the field something else',
      expect.stringMatching(/^source "bad": fields\.when: time zone "Nowhere\/Never" is not known/),
      'source "bad": fields.n: format and zone are for timestamp fields',
      'source "bad": fields.p: path "a..b": at position 3: expected a name, an [index] or a ["quoted name"]',
      'source "bad": fields.9x: expected a field name: letters, digits and _, not starting with a digit',
      'source "bad": time: "n" is not a declared field; name a timestamp field, or "kafka" for the record\'s own timestamp',
    ]);
    expect(JsonRecordReader.compile('bad', { fields: {}, time: 'kafka', extra: 1 })).toEqual({
      ok: false,
      errors: [expect.stringMatching(/^source "bad": \(source\): /)],
    });
  });
});
