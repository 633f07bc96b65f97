import fs from 'node:fs';
import path from 'node:path';
import { parseJobs } from '../../src/jobs/jobs-file';
import { compileFilter } from '../../src/jobs/filter';
import { loadJobs } from '../../src/jobs/load-jobs';
import { clicksSource } from '../support/sources';

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
      'job "bad-filter": filter: at position 8: expected an operator (== != <= >= < >, in or exists), found "~ 2"',
    ],
    [{ name: 'bad-size', source: 't', key: { field: 'gender' }, window: { type: 'tumbling', sizeMs: -5 } }, 'job "bad-size": window.sizeMs:'],
    [
      // words of any text field; gender is a number
      { name: 'words', source: 't', key: { words: 'gender' }, window: { type: 'running' } },
      'job "words": key.words: field "gender" is not text',
    ],
    [{ source: 't', key: { field: 'gender' }, window: { type: 'running' } }, 'job #1: name:'],
    [{ name: 'typo', source: 't', key: { field: 'gender' }, window: { type: 'running' }, lateness: 5 }, 'job "typo": (job): Unrecognized key'],
  ])('names the job and the field: %#', (definition, message) => {
    const parsed = parseJobs([definition]);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.errors.join('\n')).toContain(message);
  });

  it('rejects jobs that read one topic in two formats (or through two sources), naming both jobs', () => {
    const parsed = parseJobs([
      { name: 'counts', source: 'shared', key: { field: 'text' }, format: 'text-line', window: { type: 'running' } },
      { name: 'genders', source: 'shared', key: { field: 'gender' }, window: { type: 'running' } },
    ]);
    expect(parsed).toEqual({
      ok: false,
      errors: [
        'job "genders": reads topic shared as "user-action" (source "shared") but job "counts" reads it as "text-line" (source "shared"); jobs on one topic need one source',
      ],
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

  // regression: these compiled, as comparisons with the text "= 2" or "2 extra"
  it.each([
    ['action === 2', 'at position 10: expected a value (a number, a "quoted" text or a word), found "= 2"'],
    ['action == 1 and', 'at position 16: expected a field name, found the end'],
    ['action == 2 extra', 'at position 13: expected "and", "or" or the end of the filter, found "extra"'],
    ['province != ', 'at position 13: expected a value (a number, a "quoted" text or a word), found the end'],
    ['action in [1, 2', 'at position 16: expected "," or "]", found the end'],
    ['action in []', 'at position 12: expected a value (a number, a "quoted" text or a word), found "]"'],
    ['', 'at position 1: expected a field name, found the end'],
  ])('rejects %j naming the position', (expression, message) => {
    expect(compileFilter(expression, fields)).toBe(message);
  });
});

describe('sources declared once in the jobs file', () => {
  const flights = {
    name: 'flights',
    topic: 'flights-topic',
    format: 'json',
    fields: {
      date: { type: 'timestamp', format: 'yyyy/MM/dd HH:mm' },
      origin: { type: 'string' },
      destination: { type: 'string' },
      delay: { type: 'integer' },
    },
    time: 'date',
  };
  const job = (extra: Record<string, unknown>) => ({ name: 'j', source: 'flights', key: { field: 'origin' }, window: { type: 'running' }, ...extra });

  it('jobs name a source; keys and filters use its declared fields; one field is a key of one', () => {
    const parsed = parseJobs({
      sources: [flights],
      jobs: [
        job({ name: 'routes', key: { fields: ['origin', 'destination'] }, filter: 'delay > 60' }),
        { name: 'g', source: 'user-actions', key: { field: 'gender' }, window: { type: 'running' } },
      ],
    });
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    const [routes, genders] = parsed.jobs;
    expect(routes).toMatchObject({ source: 'flights-topic', key: { fields: ['origin', 'destination'] }, input: { name: 'flights', format: 'json' } });
    expect(routes!.filter!({ delay: 61, ts: 0 })).toBe(true);
    expect(routes!.filter!({ delay: 5, ts: 0 })).toBe(false);
    // a job naming a topic still reads it as user actions, as the array form always did
    expect(genders).toMatchObject({ source: 'user-actions', key: { fields: ['gender'] }, input: { name: 'user-actions', format: 'user-action' } });
  });

  it('every mistake named: the source, the job, the field', () => {
    const parsed = parseJobs({
      sources: [
        flights,
        { ...flights, topic: 'other' },
        { name: 'lines', topic: 'lines', format: 'text-line', time: 'kafka' },
        { ...flights, name: 'broken', fields: { origin: { type: 'text' } } },
      ],
      jobs: [
        job({ name: 'with-format', format: 'json' }),
        job({ name: 'bad-composite', key: { fields: ['origin', 'gate'] } }),
        job({ name: 'twice', key: { fields: ['origin', 'origin'] } }),
        job({ name: 'nowhere', source: 'no such source!' }),
        job({ name: 'undeclared-json', source: 'raw-json', format: 'json' }),
        job({ name: 'bad-filter', filter: 'gate == 3' }),
      ],
    });
    expect(parsed.ok ? [] : parsed.errors).toEqual([
      'source "flights": name: another source has the same name',
      'source "lines": fields and time are declared for format "json" only',
      expect.stringMatching(/^source "broken": fields\.origin\.type: /),
      'job "with-format": format: source "flights" is declared with its format; remove "format" from the job',
      'job "bad-composite": key: unknown field "gate" (fields of source "flights": date, origin, destination, delay)',
      'job "twice": key.fields: a field appears twice',
      'job "nowhere": source: "no such source!" is neither a declared source nor a Kafka topic name',
      'job "undeclared-json": format: a json topic needs its fields declared: add a source for raw-json to "sources" and name it here',
      'job "bad-filter": filter: unknown field "gate" (fields: date, origin, destination, delay)',
    ]);
  });

  it('refuses a file that is neither form', () => {
    expect(parseJobs({ jobs: 'all' })).toEqual({ ok: false, errors: ['jobs: expected a JSON array of jobs, or an object with "sources" and "jobs"'] });
  });
});

describe('the README', () => {
  it('its example of declared sources is a valid jobs file', () => {
    const readme = fs.readFileSync(path.resolve(__dirname, '../../../../README.md'), 'utf8');
    const example = /or an object that declares \*\*sources\*\*[\s\S]*?```json\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(example).toBeDefined();
    const parsed = parseJobs(JSON.parse(example!));
    expect(parsed.ok ? parsed.jobs.map((j) => [j.name, j.input.format, j.source]) : parsed.errors).toEqual([['quakes-per-net-hourly', 'json', 'usgs-quakes']]);
  });

  it('its example of a session job is a valid job over a clicks source', () => {
    const readme = fs.readFileSync(path.resolve(__dirname, '../../../../README.md'), 'utf8');
    const example = /\*\*Session windows\*\*[\s\S]*?```json\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(example).toBeDefined();
    const parsed = parseJobs({ sources: [clicksSource('clicks', { type: 'number' })], jobs: [JSON.parse(example!)] });
    expect(parsed.ok ? parsed.jobs.map((j) => [j.name, j.window, j.aggregates.map((a) => a.op)]) : parsed.errors).toEqual([
      ['visits', { type: 'session', gapMs: 1_800_000 }, ['count', 'sum', 'distinct']],
    ]);
  });

  it('its worked example under compose (data/examples/flights/jobs.json) is a valid jobs file', () => {
    const file = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../../../data/examples/flights/jobs.json'), 'utf8'));
    const parsed = parseJobs(file);
    expect(parsed.ok ? parsed.jobs.map((j) => [j.name, j.input.name, j.window.type]) : parsed.errors).toEqual([
      ['flights-per-origin-hourly', 'flights', 'tumbling'],
      ['late-routes-daily', 'flights', 'tumbling'],
      ['delays-per-origin-daily', 'flights', 'tumbling'],
      ['flights-per-origin-total', 'flights', 'running'],
    ]);
  });
});
