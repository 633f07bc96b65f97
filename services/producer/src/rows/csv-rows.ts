import { problem } from '@streamtally/contracts';
import { type CompiledField, type JsonRecordReader, setAt, type SourceEvent } from '@streamtally/contracts/sources';
import { splitFields } from '../csv/fields';
import { decodeRecord } from '../csv/record-decoder';
import { type RawRecord, RecordSplitter } from '../csv/record-splitter';
import type { BatchSender } from '../replay/batch-sender';
import { DeclaredEvent, refusal } from './declared-event';
import { type EventRows, type EventTopic, HEADER, type RecordCutter, type RowProblem } from './event-rows';

const INTEGER = /^[+-]?\d+$/;
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const TRUE = new Set(['true', '1', 'yes']);
const FALSE = new Set(['false', '0', 'no']);

/**
 * A CSV file of a declared source: its header names the columns as the export wrote them
 * (spaces, symbols, quotes), each declared field takes its `column` (default: its name), and
 * each row is written as the JSON record the declaration reads back (values at their paths,
 * typed), checked by the same reader the aggregator uses. One record per line: a quoted
 * field cannot hold a line break.
 */
export class CsvRows implements EventRows {
  private readonly out: DeclaredEvent;
  /** per declared field, its column's position (-1: an optional field the file lacks) */
  private columnOf: number[] = [];
  private columns = 0;
  private headerNames: string[] = [];
  private headerRead = false;
  private event: SourceEvent | undefined;
  private record: Record<string, unknown> = {};

  constructor(
    private readonly reader: JsonRecordReader,
    events: EventTopic,
    keyField: string | undefined,
    private readonly maxRowBytes: number,
  ) {
    this.out = new DeclaredEvent(events, keyField);
  }

  startPass(): RecordCutter {
    this.headerRead = false;
    return new RecordSplitter(this.maxRowBytes);
  }

  read(record: RawRecord): number | typeof HEADER | RowProblem {
    const decoded = decodeRecord(record);
    if (!decoded.ok) return decoded;
    const fields = splitFields(decoded.text, (n) => (this.headerRead ? this.columnName(n) : `${n}`));
    if (!Array.isArray(fields)) return fields;
    if (!this.headerRead) return this.header(fields);
    if (fields.length !== this.columns) return problem('column_count', `expected ${this.columns} columns (as the header has), found ${fields.length}`);
    const object: Record<string, unknown> = {};
    for (let i = 0; i < this.reader.fields.length; i += 1) {
      const field = this.reader.fields[i]!;
      const at = this.columnOf[i]!;
      const value = at === -1 ? null : typed(field, fields[at]!);
      if (typeof value === 'object' && value !== null) return value;
      if (value !== null && !setAt(object, field.steps, value))
        return problem(
          'wrong_type',
          `field ${field.name}: its path ${field.path} runs into another declared field's value; give the fields paths that do not overlap`,
        );
    }
    const read = this.reader.readObject(object, 0);
    if (!read.ok) return refusal(read);
    this.event = read.value;
    this.record = object;
    return read.value.ts;
  }

  encode(): RowProblem | undefined {
    return this.out.set(this.event!, JSON.stringify(this.record));
  }

  addTo(sender: BatchSender): Promise<void> | undefined {
    return this.out.addTo(sender);
  }

  /** The header: where each declared field's column is; a needed column it lacks stops the replay (no row could be read). */
  private header(names: string[]): typeof HEADER | RowProblem {
    const header = names.map((name, i) => (i === 0 ? name.replace(/^\uFEFF/, '') : name).trim());
    const missing: string[] = [];
    this.columnOf = this.reader.fields.map((field) => {
      const at = header.indexOf(field.column);
      if (at === -1 && !field.optional) missing.push(`${JSON.stringify(field.column)} (field ${field.name})`);
      return at;
    });
    this.columns = header.length;
    this.headerRead = true;
    this.headerNames = header;
    if (missing.length === 0) return HEADER;
    const shown = header.map((h) => JSON.stringify(h)).join(', ');
    return {
      ...problem('bad_header', `the header has no column ${missing.join(', ')}; its columns are ${shown.length > 200 ? `${shown.slice(0, 200)}…` : shown}`),
      stopsReplay: true,
    };
  }

  private columnName(n: number): string {
    return JSON.stringify(this.headerNames[n - 1] ?? String(n));
  }
}

/** A CSV text as the JSON value its field's type reads: null for a blank, or why it cannot be one. */
function typed(field: CompiledField, text: string): string | number | boolean | null | RowProblem {
  const trimmed = text.trim();
  if (trimmed === '') return null; // missing: the reader says whether that is allowed
  switch (field.type) {
    case 'string':
      return text;
    case 'integer':
      return INTEGER.test(trimmed) && Number.isSafeInteger(Number(trimmed)) ? Number(trimmed) : wrongType(field, 'an integer', text);
    case 'number':
      return DECIMAL.test(trimmed) ? Number(trimmed) : wrongType(field, 'a number', text);
    case 'boolean': {
      const lower = trimmed.toLowerCase();
      return TRUE.has(lower) ? true : FALSE.has(lower) ? false : wrongType(field, 'true or false', text);
    }
    case 'timestamp':
      // epoch formats are numbers in JSON; text formats stay text, read by the declared pattern
      if (field.timeFormat === 'epoch-ms' || field.timeFormat === 'epoch-s')
        return DECIMAL.test(trimmed) ? Number(trimmed) : wrongType(field, 'a number', text);
      return trimmed;
  }
}

function wrongType(field: CompiledField, expected: string, text: string): RowProblem {
  const shown = JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
  return { code: 'wrong_type', reason: `column "${field.column}" (field ${field.name}): expected ${expected}, got ${shown}`, field: field.path };
}
