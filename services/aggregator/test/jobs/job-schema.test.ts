import fs from 'node:fs';
import path from 'node:path';
import { parseJobs } from '../../src/jobs/job-schema';
import { compileFilter } from '../../src/jobs/filter';
import { loadJobs } from '../../src/jobs/load-jobs';

describe('job definitions', () => {
  it('the shipped jobs file is valid and has the documented defaults', () => {
    const loaded = loadJobs({ JOBS_FILE: path.resolve(__dirname, '../../jobs.json') });
    expect(loaded.ok).toBe(true);
    if (!loaded.ok) return;
    expect(loaded.jobs.map((j) => j.name)).toEqual([
      'gender-per-second',
      'actions-per-second',
      'provinces-60s',
      'purchases-by-gender-10s',
      'word-count-10s',
      'gender-running-total',
    ]);
    expect(loaded.jobs[2]!.window).toEqual({ type: 'hopping', sizeMs: 60_000, slideMs: 5000 });
  });

  it.each([
    [{ name: 'bad-key', source: 't', key: { field: 'colour' }, window: { type: 'running' } }, 'job "bad-key": key: unknown field "colour"'],
    [
      { name: 'bad-slide', source: 't', key: { field: 'gender' }, window: { type: 'hopping', sizeMs: 1000, slideMs: 300 } },
      'job "bad-slide": window.slideMs: must divide window.sizeMs',
    ],
    [
      { name: 'bad-filter', source: 't', filter: 'action ~ 2', key: { field: 'gender' }, window: { type: 'running' } },
      'job "bad-filter": filter: at position 8: expected an operator (== != <= >= < > or in), found "~ 2"',
    ],
    [{ name: 'bad-size', source: 't', key: { field: 'gender' }, window: { type: 'tumbling', sizeMs: -5 } }, 'job "bad-size": window.sizeMs:'],
    [
      { name: 'words', source: 't', key: { words: 'province' }, window: { type: 'running' } },
      'job "words": key.words: splitting words needs format "text-line"',
    ],
    [{ source: 't', key: { field: 'gender' }, window: { type: 'running' } }, 'job #1: name:'],
    [{ name: 'typo', source: 't', key: { field: 'gender' }, window: { type: 'running' }, lateness: 5 }, 'job "typo": (job): Unrecognized key'],
  ])('names the job and the field: %#', (definition, message) => {
    const parsed = parseJobs([definition]);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.errors.join('\n')).toContain(message);
  });

  it('rejects jobs that read one topic in two formats, naming both jobs', () => {
    const parsed = parseJobs([
      { name: 'counts', source: 'shared', key: { field: 'text' }, format: 'text-line', window: { type: 'running' } },
      { name: 'genders', source: 'shared', key: { field: 'gender' }, window: { type: 'running' } },
    ]);
    expect(parsed).toEqual({
      ok: false,
      errors: ['job "genders": format: "user-action" but job "counts" reads topic shared as "text-line"; jobs on one topic need one format'],
    });
  });

  it('bounds the keys of a result: maxKeys defaults to 1000 and is at least 1', () => {
    const job = { name: 'p', source: 't', key: { field: 'province' }, window: { type: 'running' } };
    expect(parseJobs([job])).toMatchObject({ ok: true, jobs: [{ maxKeys: 1000 }] });
    expect(parseJobs([{ ...job, maxKeys: 0 }])).toMatchObject({ ok: false, errors: [expect.stringContaining('job "p": maxKeys:')] });
  });

  it('rejects duplicate names and an empty list', () => {
    const job = { name: 'same', source: 't', key: { field: 'gender' }, window: { type: 'running' } };
    expect(parseJobs([job, job])).toEqual({ ok: false, errors: ['job "same": name: another job has the same name'] });
    expect(parseJobs([])).toEqual({ ok: false, errors: ['jobs: at least one job is needed'] });
  });

  it('JOBS overrides the file; bad JSON names where it came from', () => {
    expect(loadJobs({ JOBS: '[{', JOBS_FILE: 'x' })).toMatchObject({ ok: false, errors: [expect.stringMatching(/^JOBS: not valid JSON/)] });
    const missing = path.join(fs.mkdtempSync('/tmp/jobs-'), 'none.json');
    expect(loadJobs({ JOBS_FILE: missing })).toEqual({ ok: false, errors: [`JOBS_FILE ${missing}: cannot be read (ENOENT)`] });
  });
});

describe('filters', () => {
  const fields = ['action', 'province', 'age_range'];
  it.each([
    ['action == 2', { action: 2 }, true],
    ['action == 2', { action: 0 }, false],
    ['action != 2', { action: 0 }, true],
    ['age_range >= 5', { age_range: 6 }, true],
    ['age_range < 5', { age_range: 6 }, false],
    ['province == 上海', { province: '上海' }, true],
    ['province in [上海, 北京]', { province: '北京' }, true],
    ['action in [1,2]', { action: 3 }, false],
  ])('%s on %j is %s', (expression, event, expected) => {
    const filter = compileFilter(expression, fields);
    expect(typeof filter).toBe('function');
    if (typeof filter === 'function') expect(filter(event)).toBe(expected);
  });

  it.each([
    ['province == "inner mongolia"', { province: 'inner mongolia' }, true],
    ["province != '上海'", { province: '上海' }, false],
    ['action in [ 1 , 2 ]', { action: 2 }, true],
    ['  action==2  ', { action: 2 }, true],
  ])('also %s on %j is %s', (expression, event, expected) => {
    const filter = compileFilter(expression, fields);
    expect(typeof filter === 'function' && filter(event)).toBe(expected);
  });

  it('explains what is wrong', () => {
    expect(compileFilter('colour == red', fields)).toMatch(/^unknown field "colour"/);
    expect(compileFilter('province < 上海', fields)).toBe('"<" needs a number, got "上海"');
  });

  // regression: these compiled, as comparisons with the text "= 2", "1 and b == 2", "2 extra"
  it.each([
    ['action === 2', 'at position 10: expected a value (a number, a "quoted" text or a word), found "= 2"'],
    ['action == 1 and province == 2', 'at position 13: expected the end of the filter, found "and provin"'],
    ['action == 2 extra', 'at position 13: expected the end of the filter, found "extra"'],
    ['province != ', 'at position 13: expected a value (a number, a "quoted" text or a word), found the end'],
    ['action in [1, 2', 'at position 16: expected "," or "]", found the end'],
    ['action in []', 'at position 12: expected a value (a number, a "quoted" text or a word), found "]"'],
    ['', 'at position 1: expected a field name, found the end'],
  ])('rejects %j naming the position', (expression, message) => {
    expect(compileFilter(expression, fields)).toBe(message);
  });
});
