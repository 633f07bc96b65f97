import { timeReader } from '../../src/sources';

const read = (format: string, value: unknown, zone?: string) => {
  const reader = timeReader(format, zone);
  if (typeof reader === 'string') throw new Error(reader);
  return reader(value);
};

describe('time formats', () => {
  it('epoch milliseconds and seconds', () => {
    expect(read('epoch-ms', 1_700_000_000_123)).toBe(1_700_000_000_123);
    expect(read('epoch-s', 1_700_000_000.5)).toBe(1_700_000_000_500);
    expect(read('epoch-ms', '1700000000123')).toEqual({ error: 'expected a number of milliseconds since 1970, got "1700000000123"' });
    expect(read('epoch-ms', 1e20)).toEqual({ error: '100000000000000000000 is out of range for a time' });
  });

  it('ISO-8601 only with an offset', () => {
    expect(read('iso-8601', '2001-01-01T00:47:00Z')).toBe(Date.UTC(2001, 0, 1, 0, 47));
    expect(read('iso-8601', '2001-01-01T01:47:00+01:00')).toBe(Date.UTC(2001, 0, 1, 0, 47));
    expect(read('iso-8601', '2001-01-01T00:47:00')).toHaveProperty('error'); // no offset: ambiguous
  });

  it('a pattern, in UTC, a fixed offset or an IANA zone (across a DST change)', () => {
    expect(read('yyyy/MM/dd HH:mm', '2001/01/01 00:47')).toBe(Date.UTC(2001, 0, 1, 0, 47));
    expect(read('yyyy/MM/dd HH:mm', '2001/01/01 00:47', '-05:00')).toBe(Date.UTC(2001, 0, 1, 5, 47));
    // New York: EST (-5) in January, EDT (-4) in July
    expect(read('yyyy-MM-dd HH:mm:ss', '2001-01-15 12:00:00', 'America/New_York')).toBe(Date.UTC(2001, 0, 15, 17));
    expect(read('yyyy-MM-dd HH:mm:ss', '2001-07-15 12:00:00', 'America/New_York')).toBe(Date.UTC(2001, 6, 15, 16));
    expect(read('dd.MM.yyyy', '31.12.2020')).toBe(Date.UTC(2020, 11, 31));
    expect(read('yyyy/MM/dd HH:mm', '2001/13/01 00:47')).toEqual({ error: 'expected text in the form yyyy/MM/dd HH:mm, got "2001/13/01 00:47"' });
    expect(read('yyyy/MM/dd HH:mm', 20010101)).toEqual({ error: 'expected text in the form yyyy/MM/dd HH:mm, got 20010101' });
  });

  it('refuses a format or zone it cannot read, saying why', () => {
    expect(timeReader('yyyy/MM/dd hh:mm')).toBe(
      'time format "yyyy/MM/dd hh:mm": unknown letter "h" at position 12 (use yyyy MM dd HH mm ss SSS; other letters only in epoch-ms, epoch-s, iso-8601)',
    );
    expect(timeReader('HH:mm')).toBe('time format "HH:mm": needs yyyy');
    expect(timeReader('yyyy-MM-dd', 'Mars/Olympus')).toMatch(/^time zone "Mars\/Olympus" is not known/);
  });
});
