import { decodeWindowResult, encodeWindowResult, resultVersion, supersedes, WindowResult, windowResultKey } from '../src';

const result: WindowResult = {
  job: 'gender-per-second',
  windowStart: 1000,
  windowEnd: 2000,
  counts: { '0': 1, '1': 6, '2': 3 },
  final: false,
  version: 20,
  emittedAt: 5,
};

describe('window result codec', () => {
  it('round-trips and keys by job and window start', () => {
    expect(decodeWindowResult(encodeWindowResult(result))).toEqual({ ok: true, value: result });
    expect(windowResultKey('gender-per-second', 1000)).toBe('gender-per-second@1000');
  });

  it('accepts a running total with no window end', () => {
    expect(decodeWindowResult(JSON.stringify({ ...result, windowStart: 0, windowEnd: null })).ok).toBe(true);
  });

  it('carries what was folded into other and why; refuses an unknown reason', () => {
    const folded = { ...result, other: { keys: 2, count: 7, reason: ['maxKeys', 'maxBytes'] as ('maxKeys' | 'maxBytes')[] } };
    expect(decodeWindowResult(encodeWindowResult(folded))).toEqual({ ok: true, value: folded });
    expect(decodeWindowResult(JSON.stringify({ ...result, other: { keys: 2, count: 7 } })).ok).toBe(true); // results of earlier versions
    for (const reason of [['tooBig'], 'maxKeys', [1]]) {
      expect(decodeWindowResult(JSON.stringify({ ...result, other: { keys: 2, count: 7, reason } }))).toMatchObject({ ok: false, code: 'bad_other' });
    }
  });

  it('names a negative count by its key', () => {
    const decoded = decodeWindowResult(JSON.stringify({ ...result, counts: { '1': -2 } }));
    expect(decoded).toMatchObject({ ok: false, code: 'bad_counts', error: 'field counts.1: expected a non-negative integer' });
  });

  it('carries when its oldest new input was written, when it says, as epoch ms', () => {
    expect(decodeWindowResult(encodeWindowResult({ ...result, inputWrittenAt: 4 }))).toEqual({ ok: true, value: { ...result, inputWrittenAt: 4 } });
    for (const bad of [-1, 1.5, '4', null]) {
      expect(decodeWindowResult(JSON.stringify({ ...result, inputWrittenAt: bad }))).toMatchObject({
        ok: false,
        code: 'bad_inputWrittenAt',
        error: 'field inputWrittenAt: expected epoch ms',
      });
    }
  });

  it('only a higher version supersedes', () => {
    expect(supersedes({ ...result, version: 21 }, result)).toBe(true);
    expect(supersedes({ ...result, version: 20 }, result)).toBe(false);
    expect(supersedes({ ...result, version: 3 }, result)).toBe(false);
    expect(supersedes(result, undefined)).toBe(true);
  });
});

describe('result versions', () => {
  it("grow with the window's changes, and a final outranks a provisional of the same state", () => {
    expect(resultVersion(10, false)).toBe(20);
    expect(resultVersion(10, true)).toBe(21);
    expect(resultVersion(11, false)).toBeGreaterThan(resultVersion(10, true));
  });

  it('decide which result a reader keeps: the highest version', () => {
    const provisional = {
      job: 'g',
      windowStart: 0,
      windowEnd: 1000,
      counts: { '1': 2 },
      final: false,
      version: resultVersion(1, false),
      emittedAt: 1,
    };
    const final = { ...provisional, final: true, version: resultVersion(1, true) };
    expect(supersedes(final, provisional)).toBe(true);
    expect(supersedes(provisional, final)).toBe(false);
    expect(supersedes(provisional, { ...provisional })).toBe(false);
    expect(supersedes(provisional, undefined)).toBe(true);
  });
});
