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
    expect(read('yyyy-MM-dd HH:mm:ss.SSS', '2001-02-03 04:05:06.789')).toBe(Date.UTC(2001, 1, 3, 4, 5, 6, 789));
  });

  it('a pattern reads exactly its form: every digit an ASCII digit, every separator where it stands, nothing before or after', () => {
    const notTheForm = [
      '2001/01/01 0:47',
      '2001/01/01 00:47 ',
      ' 2001/01/01 00:47',
      '2001-01-01 00:47',
      '2001/0a/01 00:47',
      '2001/01/01 00:4７',
      '2001/01/01 -0:47',
      '2001/00/01 00:47',
      '2001/01/32 00:47',
      '2001/01/01 24:00',
      '2001/01/01 00:60',
    ];
    for (const text of notTheForm)
      expect([text, read('yyyy/MM/dd HH:mm', text)]).toEqual([text, { error: `expected text in the form yyyy/MM/dd HH:mm, got ${JSON.stringify(text)}` }]);
    expect(read('yyyy/MM/dd HH:mm', '1999/12/31 23:59')).toBe(Date.UTC(1999, 11, 31, 23, 59));
  });

  it('refuses a format or zone it cannot read, saying why', () => {
    expect(timeReader('yyyy/MM/dd hh:mm')).toBe(
      'time format "yyyy/MM/dd hh:mm": unknown letter "h" at position 12 (use yyyy MM dd HH mm ss SSS; other letters only in epoch-ms, epoch-s, iso-8601)',
    );
    expect(timeReader('HH:mm')).toBe('time format "HH:mm": needs yyyy');
    expect(timeReader('yyyy-MM-dd', 'Mars/Olympus')).toMatch(/^time zone "Mars\/Olympus" is not known/);
  });
});
