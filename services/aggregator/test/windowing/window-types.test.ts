import { jobDefinitionSchema } from '../../src/jobs/job-schema';
import { type TimeWindowSpec, timeWindowTypeOf, WINDOW_TYPES, windowSchema, windowTypeOf } from '../../src/windowing/window-types/registry';

const startsFor = (spec: TimeWindowSpec, ts: number) => timeWindowTypeOf(spec).startsFor(spec, ts);
const endOf = (spec: TimeWindowSpec, start: number) => timeWindowTypeOf(spec).end(spec, start);

describe('window assignment', () => {
  it('tumbling: one window, boundaries belong to the window they start; its one start without an array agrees', () => {
    const spec = { type: 'tumbling', sizeMs: 1000 } as const;
    expect(startsFor(spec, 0)).toEqual([0]);
    expect(startsFor(spec, 999)).toEqual([0]);
    expect(startsFor(spec, 1000)).toEqual([1000]);
    expect(startsFor(spec, 1_700_000_000_123)).toEqual([1_700_000_000_000]);
    expect(startsFor(spec, -1)).toEqual([-1000]); // before 1970: still the window that holds it
    for (const ts of [0, 999, 1000, -1, 1_700_000_000_123]) expect(timeWindowTypeOf(spec).startOf!(spec, ts)).toBe(startsFor(spec, ts)[0]);
    expect(endOf(spec, 1000)).toBe(2000);
  });

  it('hopping: size/slide windows contain the event, oldest first', () => {
    const spec = { type: 'hopping', sizeMs: 60_000, slideMs: 5000 } as const;
    const starts = startsFor(spec, 123_456);
    expect(starts).toHaveLength(12);
    expect(starts[0]).toBe(65_000);
    expect(starts[11]).toBe(120_000);
    for (const start of starts) expect(start <= 123_456 && 123_456 < start + 60_000).toBe(true);
    expect(timeWindowTypeOf(spec).startOf).toBeUndefined(); // several windows per event: no single start
  });

  it('hopping: an event on a slide boundary starts a window and leaves the oldest', () => {
    const spec = { type: 'hopping', sizeMs: 2000, slideMs: 1000 } as const;
    expect(startsFor(spec, 5000)).toEqual([4000, 5000]);
    expect(startsFor(spec, 5999)).toEqual([4000, 5000]);
  });

  it('hopping: a slide that does not fit the size is refused naming the field', () => {
    const problems = (sizeMs: number, slideMs: number) => windowTypeOf({ type: 'hopping', sizeMs, slideMs }).problems({ type: 'hopping', sizeMs, slideMs });
    expect(problems(1000, 2000)).toEqual(['window.slideMs: must not exceed window.sizeMs']);
    expect(problems(1000, 300)).toEqual(['window.slideMs: must divide window.sizeMs']);
    expect(problems(101_000, 1000)).toEqual(['window: at most 100 windows per event (sizeMs / slideMs)']);
    expect(problems(100_000, 1000)).toEqual([]);
  });

  it('running: one window from 0 that never ends, and never closes', () => {
    expect(startsFor({ type: 'running' }, 42)).toEqual([0]);
    expect(endOf({ type: 'running' }, 0)).toBeNull();
    expect(windowTypeOf({ type: 'running' }).closes).toBe(false);
  });

  it('session: a key-own window with its gap, closing', () => {
    const type = windowTypeOf({ type: 'session', gapMs: 30_000 });
    expect(type.family === 'session' && type.gapOf({ type: 'session', gapMs: 30_000 })).toBe(30_000);
    expect(type.closes).toBe(true);
  });
});

describe('the window registry', () => {
  const examples = { tumbling: { sizeMs: 1000 }, hopping: { sizeMs: 2000, slideMs: 1000 }, running: {}, session: { gapMs: 1000 } };

  it('every registered type is a form the jobs file accepts (the schema and the table list the same types)', () => {
    expect(Object.keys(WINDOW_TYPES).sort()).toEqual(Object.keys(examples).sort());
    for (const [type, fields] of Object.entries(examples)) {
      const window = { type, ...fields };
      expect(windowSchema.parse(window)).toEqual(window);
      expect(jobDefinitionSchema.safeParse({ name: 'j', source: 's', key: { field: 'k' }, window }).success).toBe(true);
      expect(windowTypeOf(window as never)).toBe(WINDOW_TYPES[type as keyof typeof WINDOW_TYPES]);
    }
  });

  it('refuses an unknown type and a field of another type', () => {
    expect(windowSchema.safeParse({ type: 'sliding', sizeMs: 1000 }).success).toBe(false);
    expect(windowSchema.safeParse({ type: 'tumbling', sizeMs: 1000, gapMs: 5 }).success).toBe(false);
  });
});
