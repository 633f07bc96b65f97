import { decodeJobDescriptions, encodeJobDescriptions } from '@streamtally/contracts';
import { describeJobs } from '../../src/jobs/describe-jobs';
import { parseJobs } from '../../src/jobs/jobs-file';

describe('describeJobs: what readers of the results learn of each job', () => {
  it('names the source, window, key fields and their types, the filter as written and what results hold; it survives the topic', () => {
    const parsed = parseJobs({
      sources: [
        {
          name: 'flights',
          topic: 'flights',
          format: 'json',
          fields: {
            date: { type: 'timestamp', format: 'yyyy/MM/dd HH:mm' },
            origin: { type: 'string' },
            destination: { type: 'string' },
            delay: { type: 'integer' },
          },
          time: 'date',
        },
      ],
      jobs: [
        {
          name: 'late-routes-daily',
          title: 'Late routes, daily',
          source: 'flights',
          filter: 'delay > 15',
          key: { fields: ['origin', 'destination'] },
          window: { type: 'tumbling', sizeMs: 86_400_000 },
          maxKeys: 5000,
        },
        { name: 'words', source: 'text-lines', format: 'text-line', key: { words: 'text' }, window: { type: 'hopping', sizeMs: 10_000, slideMs: 5000 } },
        { name: 'gender-total', source: 'user-actions', key: { field: 'gender' }, window: { type: 'running' }, startFrom: '2026-12-05T01:00:00+01:00' },
      ],
    });
    if (!parsed.ok) throw new Error(parsed.errors.join('; '));
    const described = describeJobs(parsed.jobs, 1234);
    expect(described).toEqual({
      writtenAt: 1234,
      jobs: [
        {
          name: 'late-routes-daily',
          title: 'Late routes, daily',
          source: { name: 'flights', topic: 'flights', format: 'json' },
          window: { type: 'tumbling', sizeMs: 86_400_000 },
          key: { fields: ['origin', 'destination'] },
          keyTypes: { origin: 'string', destination: 'string' },
          filter: 'delay > 15',
          maxKeys: 5000,
          allowedLatenessMs: 1000,
          emit: 'changes',
          generation: 1,
          startFrom: 'earliest',
          holds: 'counts',
        },
        {
          name: 'words',
          source: { name: 'text-lines', topic: 'text-lines', format: 'text-line' },
          window: { type: 'hopping', sizeMs: 10_000, slideMs: 5000 },
          key: { words: 'text' },
          keyTypes: { text: 'string' },
          maxKeys: 1000,
          allowedLatenessMs: 1000,
          emit: 'changes',
          generation: 1,
          startFrom: 'earliest',
          holds: 'counts',
        },
        {
          name: 'gender-total',
          source: { name: 'user-actions', topic: 'user-actions', format: 'user-action' },
          window: { type: 'running' },
          key: { fields: ['gender'] },
          keyTypes: { gender: 'integer' },
          maxKeys: 1000,
          allowedLatenessMs: 1000,
          emit: 'changes',
          generation: 1,
          startFrom: '2026-12-05T00:00:00.000Z',
          holds: 'counts',
        },
      ],
    });
    expect(decodeJobDescriptions(encodeJobDescriptions(described))).toEqual({ ok: true, value: described });
  });

  it.each([
    ['[]', 'value is not a JSON object'],
    ['{"jobs":{},"writtenAt":1}', 'field jobs: expected an array of job descriptions'],
    ['{"jobs":[],"writtenAt":"now"}', 'field writtenAt: expected epoch ms'],
    ['{"jobs":[{"name":""}],"writtenAt":1}', 'jobs[0].name: expected a job name'],
    ['{"jobs":[{"name":"a","window":{"type":"sliding"}}],"writtenAt":1}', 'jobs[0].window: expected a window type'],
    ['{"jobs":[{"name":"a","window":{"type":"running"},"key":{}}],"writtenAt":1}', 'jobs[0].key: expected fields or words'],
  ])('a record a reader cannot use is refused, naming why: %s', (text, error) => {
    expect(decodeJobDescriptions(text)).toMatchObject({ ok: false, error });
  });
});
