/** JSON schemas of the gateway's HTTP requests and replies: Fastify validates the one and serialises the other. */

export const errorReply = { type: 'object', properties: { error: { type: 'string' } }, required: ['error'] } as const;

/** A key's aggregates by name: a number, or null where no event had a value. */
const valueRow = { type: 'object', additionalProperties: { type: ['number', 'null'] } } as const;

/** A window result as the results topic carries it (packages/contracts/src/window-result.ts). */
export const windowResult = {
  type: 'object',
  properties: {
    job: { type: 'string' },
    windowStart: { type: 'integer' },
    windowEnd: { type: ['integer', 'null'] },
    sessionKey: { type: 'string' },
    mergedInto: { type: 'integer' },
    counts: { type: 'object', additionalProperties: { type: 'integer' } },
    values: { type: 'object', additionalProperties: valueRow },
    other: {
      type: 'object',
      properties: { keys: { type: 'integer' }, count: { type: 'integer' }, reason: { type: 'array', items: { type: 'string' } }, values: valueRow },
      required: ['keys', 'count'],
    },
    final: { type: 'boolean' },
    version: { type: 'integer' },
    generation: { type: 'integer' },
    emittedAt: { type: 'integer' },
    inputWrittenAt: { type: 'integer' },
  },
  required: ['job', 'windowStart', 'windowEnd', 'counts', 'final', 'version', 'emittedAt'],
} as const;

/** A job as the aggregator describes it (packages/contracts/src/job-description.ts). */
export const jobDescription = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    title: { type: 'string' },
    source: { type: 'object', properties: { name: { type: 'string' }, topic: { type: 'string' }, format: { type: 'string' } } },
    window: {
      type: 'object',
      properties: { type: { type: 'string' }, sizeMs: { type: 'integer' }, slideMs: { type: 'integer' }, gapMs: { type: 'integer' } },
    },
    key: { type: 'object', properties: { fields: { type: 'array', items: { type: 'string' } }, words: { type: 'string' } } },
    keyTypes: { type: 'object', additionalProperties: { type: 'string' } },
    filter: { type: 'string' },
    maxKeys: { type: 'integer' },
    allowedLatenessMs: { type: 'integer' },
    holds: { type: 'string' },
    aggregates: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          name: { type: 'string' },
          op: { type: 'string' },
          field: { type: 'string' },
          decimals: { type: 'integer' },
          approximate: { type: 'boolean' },
          foldsIntoOther: { type: 'boolean' },
        },
        required: ['name', 'op'],
      },
    },
    orderBy: { type: 'string' },
    emit: { type: 'string' },
    generation: { type: 'integer' },
    startFrom: { type: 'string' },
    progress: {
      type: 'object',
      properties: {
        status: { type: 'string' },
        behind: { type: 'integer' },
        etaSeconds: { type: 'integer' },
        partial: { type: 'boolean' },
      },
      required: ['status', 'behind'],
    },
  },
  required: ['name', 'source', 'window', 'key', 'holds'],
} as const;

export const jobsReply = {
  type: 'object',
  properties: { jobs: { type: 'array', items: jobDescription }, withResults: { type: 'array', items: { type: 'string' } } },
  required: ['jobs', 'withResults'],
} as const;

export const windowsParams = { type: 'object', properties: { job: { type: 'string', minLength: 1, maxLength: 1024 } }, required: ['job'] } as const;

export const windowsReply = {
  type: 'object',
  properties: { job: { type: 'string' }, windows: { type: 'array', items: windowResult } },
  required: ['job', 'windows'],
} as const;

export const statusReply = { type: 'object', properties: { status: { type: 'string' }, clients: { type: 'integer' } }, required: ['status'] } as const;
