import { windowEnd, windowStartsFor } from '../../src/windowing/windows';

describe('window assignment', () => {
  it('tumbling: one window, boundaries belong to the window they start', () => {
    const spec = { type: 'tumbling', sizeMs: 1000 } as const;
    expect(windowStartsFor(spec, 0)).toEqual([0]);
    expect(windowStartsFor(spec, 999)).toEqual([0]);
    expect(windowStartsFor(spec, 1000)).toEqual([1000]);
    expect(windowStartsFor(spec, 1_700_000_000_123)).toEqual([1_700_000_000_000]);
    expect(windowEnd(spec, 1000)).toBe(2000);
  });

  it('hopping: size/slide windows contain the event, oldest first', () => {
    const spec = { type: 'hopping', sizeMs: 60_000, slideMs: 5000 } as const;
    const starts = windowStartsFor(spec, 123_456);
    expect(starts).toHaveLength(12);
    expect(starts[0]).toBe(65_000);
    expect(starts[11]).toBe(120_000);
    for (const start of starts) expect(start <= 123_456 && 123_456 < start + 60_000).toBe(true);
  });

  it('hopping: an event on a slide boundary starts a window and leaves the oldest', () => {
    const spec = { type: 'hopping', sizeMs: 2000, slideMs: 1000 } as const;
    expect(windowStartsFor(spec, 5000)).toEqual([4000, 5000]);
    expect(windowStartsFor(spec, 5999)).toEqual([4000, 5000]);
  });

  it('running: one window from 0 that never ends', () => {
    expect(windowStartsFor({ type: 'running' }, 42)).toEqual([0]);
    expect(windowEnd({ type: 'running' }, 0)).toBeNull();
  });
});
