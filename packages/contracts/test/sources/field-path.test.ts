import { parseFieldPath, type PathStep, setAt, valueAt } from '../../src/sources';

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

describe('setAt', () => {
  it('builds the objects and arrays a path goes through, so valueAt reads the value back', () => {
    const root: Record<string, unknown> = {};
    const paths = ['properties.mag', 'properties.place', 'geometry.coordinates[2]', '["Cost Total $"]'];
    paths.forEach((path, i) => expect(setAt(root, parseFieldPath(path) as PathStep[], i)).toBe(true));
    expect(JSON.stringify(root)).toBe('{"properties":{"mag":0,"place":1},"geometry":{"coordinates":[null,null,2]},"Cost Total $":3}');
    paths.forEach((path, i) => expect(valueAt(root, parseFieldPath(path) as PathStep[])).toBe(i));
  });

  it('refuses two paths that clash: a value where an object must go, an index into an object', () => {
    const root: Record<string, unknown> = {};
    expect(setAt(root, ['a'], 1)).toBe(true);
    expect(setAt(root, ['a', 'b'], 2)).toBe(false);
    expect(setAt(root, ['c', 'd'], 3)).toBe(true);
    expect(setAt(root, ['c', 0], 4)).toBe(false);
    expect(root).toEqual({ a: 1, c: { d: 3 } });
  });
});
