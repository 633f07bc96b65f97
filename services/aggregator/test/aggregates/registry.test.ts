import { parseJobs } from '../../src/jobs/jobs-file';

const source = {
  name: 'flights',
  topic: 'flights',
  format: 'json',
  fields: {
    date: { type: 'timestamp', format: 'epoch-ms' },
    origin: { type: 'string' },
    delay: { type: 'integer' },
    fare: { type: 'number', optional: true },
  },
  time: 'date',
};
const job = (extra: Record<string, unknown>) => ({
  name: 'j',
  source: 'flights',
  key: { field: 'origin' },
  window: { type: 'tumbling', sizeMs: 1000 },
  ...extra,
});
const errorsOf = (extra: Record<string, unknown>) => {
  const parsed = parseJobs({ sources: [source], jobs: [job(extra)] });
  return parsed.ok ? [] : parsed.errors;
};

describe('aggregates in the jobs file', () => {
  it('compiles count, sum, min, max and avg over the declared fields', () => {
    const parsed = parseJobs({
      sources: [source],
      jobs: [
        job({
          aggregates: [
            { name: 'flights', op: 'count' },
            { name: 'totalDelay', op: 'sum', field: 'delay' },
            { name: 'minFare', op: 'min', field: 'fare', decimals: 2 },
            { name: 'maxDelay', op: 'max', field: 'delay' },
            { name: 'avgFare', op: 'avg', field: 'fare', decimals: 2 },
          ],
          orderBy: 'totalDelay',
        }),
      ],
    });
    if (!parsed.ok) throw new Error(parsed.errors.join('; '));
    const [compiled] = parsed.jobs;
    expect(compiled!.aggregates.map((a) => `${a.name}:${a.op}:${a.field ?? ''}:${a.decimals}`)).toEqual([
      'flights:count::0',
      'totalDelay:sum:delay:0',
      'minFare:min:fare:2',
      'maxDelay:max:delay:0',
      'avgFare:avg:fare:2',
    ]);
    // what each window keeps per key besides its count
    expect(compiled!.cells.map((c) => `${c.name} ${c.op}`)).toEqual([
      'totalDelay.sum incr',
      'minFare.min min',
      'maxDelay.max max',
      'avgFare.sum incr',
      'avgFare.n incr',
    ]);
    expect(compiled!.orderBy).toBe(1);
  });

  it("keeps no count of values for the mean of a field every event has: the key's event count divides its sum", () => {
    const parsed = parseJobs({ sources: [source], jobs: [job({ aggregates: [{ name: 'meanDelay', op: 'avg', field: 'delay' }] })] });
    if (!parsed.ok) throw new Error(parsed.errors.join('; '));
    const [compiled] = parsed.jobs;
    expect(compiled!.cells.map((c) => `${c.name} ${c.op}`)).toEqual(['meanDelay.sum incr']);
    expect(compiled!.aggregates[0]!.value(4, [10])).toBe(2.5);
    expect(compiled!.aggregates[0]!.value(0, [undefined])).toBeNull();
    // an optional field's mean counts the events that had a value (fare, above: avgFare.n)
  });

  it('compiles distinct over any field as a HyperLogLog cell, approximate, and not folded into other', () => {
    const parsed = parseJobs({ sources: [source], jobs: [job({ aggregates: [{ name: 'routes', op: 'distinct', field: 'origin' }] })] });
    if (!parsed.ok) throw new Error(parsed.errors.join('; '));
    const [aggregate] = parsed.jobs[0]!.aggregates;
    expect(parsed.jobs[0]!.cells.map((c) => `${c.name} ${c.op}`)).toEqual(['routes.hll hll']);
    expect(aggregate).toMatchObject({ approximate: true, folds: false });
    expect(parsed.jobs[0]!.cells[0]!.read({ ts: 0, origin: 'ORD' })).toBe('ORD');
    expect(parsed.jobs[0]!.cells[0]!.read({ ts: 0, origin: null })).toBeNull();
    expect(errorsOf({ aggregates: [{ name: 'x', op: 'distinct', field: 'fare', decimals: 2 }] })).toEqual([
      'job "j": aggregates[0] ("x"): distinct counts values as they are; remove "decimals"',
    ]);
  });

  it('a job without aggregates keeps its counts only, as ever', () => {
    const parsed = parseJobs({ sources: [source], jobs: [job({})] });
    expect(parsed.ok && parsed.jobs[0]!.aggregates.length === 0 && parsed.jobs[0]!.cells.length === 0).toBe(true);
  });

  it('names the aggregate and what was expected for every mistake', () => {
    expect(errorsOf({ aggregates: [{ name: 'x', op: 'sum' }] })).toEqual(['job "j": aggregates[0] ("x"): sum needs a "field" (integer or number)']);
    expect(errorsOf({ aggregates: [{ name: 'x', op: 'sum', field: 'nope' }] })[0]).toMatch(
      /aggregates\[0\] \("x"\): unknown field "nope" \(fields of source "flights": date, origin, delay, fare\)/,
    );
    expect(errorsOf({ aggregates: [{ name: 'x', op: 'avg', field: 'origin' }] })).toEqual([
      'job "j": aggregates[0] ("x"): field "origin" is string; avg reads integer or number fields',
    ]);
    expect(errorsOf({ aggregates: [{ name: 'x', op: 'sum', field: 'fare' }] })).toEqual([
      'job "j": aggregates[0] ("x"): field "fare" is a number: declare "decimals", the places kept exactly (0-9), e.g. 2 for cents',
    ]);
    expect(errorsOf({ aggregates: [{ name: 'x', op: 'count', field: 'delay' }] })).toEqual([
      'job "j": aggregates[0] ("x"): count reads no field; remove "field" and "decimals"',
    ]);
    expect(
      errorsOf({
        aggregates: [
          { name: 'x', op: 'count' },
          { name: 'x', op: 'max', field: 'delay' },
        ],
      }),
    ).toEqual(['job "j": aggregates[1] ("x"): another aggregate of this job has the same name']);
    expect(errorsOf({ aggregates: [{ name: 'x', op: 'count' }], orderBy: 'y' })).toEqual(['job "j": orderBy: "y" is none of the job\'s aggregates (x)']);
    expect(errorsOf({ aggregates: [{ name: 'x', op: 'median', field: 'delay' }] })[0]).toMatch(
      /^job "j": aggregates\.0\.op: .*"count"\|"sum"\|"min"\|"max"\|"avg"/,
    );
    expect(errorsOf({ window: { type: 'running' }, emit: 'final' })).toEqual([
      'job "j": emit: "final" needs a window that closes; a running window never does (use "changes")',
    ]);
    expect(errorsOf({ aggregates: [{ name: '1x', op: 'count' }] })[0]).toMatch(/^job "j": aggregates\.0\.name: expected a name of letters/);
  });
});
