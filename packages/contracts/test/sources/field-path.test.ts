import { parseFieldPath, valueAt } from '../../src/sources';

describe('field paths', () => {
  it('reads names, indexes and quoted names', () => {
    expect(parseFieldPath('properties.mag')).toEqual(['properties', 'mag']);
    expect(parseFieldPath('geometry.coordinates[2]')).toEqual(['geometry', 'coordinates', 2]);
    expect(parseFieldPath('["Departure Time"].utc')).toEqual(['Departure Time', 'utc']);
    expect(parseFieldPath('rows[0][1]')).toEqual(['rows', 0, 1]);
  });

  it('refuses what is not a path, naming the position', () => {
    expect(parseFieldPath('')).toBe('expected a path such as properties.mag');
    expect(parseFieldPath('a..b')).toBe('at position 3: expected a name, an [index] or a ["quoted name"]');
    expect(parseFieldPath('a b')).toBe('at position 2: expected "." or "[" after a step');
    expect(parseFieldPath('a[x]')).toBe('at position 2: expected a name, an [index] or a ["quoted name"]');
    expect(parseFieldPath('["bad \\q"]')).toBe('at position 1: expected a name, an [index] or a ["quoted name"]');
  });

  it('finds a value, or nothing when a step is missing or of the wrong kind', () => {
    const quake = { properties: { mag: 4.2 }, geometry: { coordinates: [-117.5, 35.2, 8.1] } };
    expect(valueAt(quake, ['properties', 'mag'])).toBe(4.2);
    expect(valueAt(quake, ['geometry', 'coordinates', 2])).toBe(8.1);
    expect(valueAt(quake, ['geometry', 'coordinates', 3])).toBeUndefined();
    expect(valueAt(quake, ['properties', 0])).toBeUndefined(); // an index into an object
    expect(valueAt(quake, ['geometry', 'coordinates', 'length'])).toBeUndefined(); // a name into an array
    expect(valueAt(quake, ['properties', 'mag', 'x'])).toBeUndefined();
    expect(valueAt({}, ['constructor'])).toBeUndefined(); // only the record's own members
  });
});
