import type { JsonRecordReader } from '@streamtally/contracts/sources';
import type { DeclaredSourceSpec } from './declared-event';
import type { EventRows, EventTopic } from './event-rows';
import { UserLogRows, type UserLogSettings } from './user-log-rows';

/** What the replay reads, as plain data (it crosses to the replay thread): the tutorial's user_log, or a declared source's CSV or JSON file. */
export type RowsSpec = { kind: 'user-log'; userLog: UserLogSettings } | ({ kind: 'csv' } & DeclaredRows) | ({ kind: 'json' } & DeclaredRows);

/** A declared source's file: its source, and the longest record it may hold (the declaration's maxRecordBytes). */
export interface DeclaredRows {
  source: DeclaredSourceSpec;
  maxRowBytes: number;
}

export type FileKind = RowsSpec['kind'];

/**
 * Every kind of input file, registered here and only here: a new kind is a module in this
 * folder implementing EventRows, and one line below (README, "Adding an input format").
 * Declared sources are loaded only when replayed: their reader brings zod, which the user_log
 * replay thread does without (50 MB of peak memory less: docs/benchmarks.md).
 */
/* eslint-disable @typescript-eslint/no-require-imports -- loaded when used, not when the thread starts (above) */
const KINDS: { [K in FileKind]: (spec: Extract<RowsSpec, { kind: K }>, events: EventTopic) => EventRows } = {
  'user-log': (spec, events) => new UserLogRows(spec.userLog, events),
  csv: (spec, events) => {
    const { CsvRows } = require('./csv-rows') as typeof import('./csv-rows');
    return new CsvRows(declaredReader(spec.source), events, spec.source.keyField, spec.maxRowBytes);
  },
  json: (spec, events) => {
    const { JsonRows } = require('./json-rows') as typeof import('./json-rows');
    return new JsonRows(declaredReader(spec.source), events, spec.source.keyField);
  },
};

export function createRows(spec: RowsSpec, events: EventTopic): EventRows {
  return (KINDS[spec.kind] as (s: RowsSpec, e: EventTopic) => EventRows)(spec, events);
}

/** The declaration, compiled again on the replay thread (the main thread checked it at start). */
function declaredReader(source: DeclaredSourceSpec): JsonRecordReader {
  const { JsonRecordReader } = require('@streamtally/contracts/sources') as typeof import('@streamtally/contracts/sources');
  const compiled = JsonRecordReader.compile(source.name, source.declaration);
  if (!compiled.ok) throw new Error(compiled.errors.join('; '));
  return compiled.reader;
}
/* eslint-enable @typescript-eslint/no-require-imports */
