import type { JsonRecordReader, SourceEvent } from '@streamtally/contracts/sources';
import type { RawRecord } from '../csv/record-splitter';
import type { BatchSender } from '../replay/batch-sender';
import { DeclaredEvent, refusal } from './declared-event';
import type { EventRows, EventTopic, RecordCutter, RowProblem } from './event-rows';
import { JsonRecordCutter } from './json-records';

const LF = 0x0a;

/**
 * A JSON file of a declared source (JSON Lines, or one top-level array): each record is
 * checked by the same reader the aggregator uses, and goes out as it was written, so nothing
 * the team's events carry beyond the declared fields is lost. An element written over several
 * lines is written again compactly (a record is one line in the topic's tools).
 */
export class JsonRows implements EventRows {
  private readonly out: DeclaredEvent;
  private event: SourceEvent | undefined;

  constructor(
    private readonly reader: JsonRecordReader,
    events: EventTopic,
    keyField: string | undefined,
  ) {
    this.out = new DeclaredEvent(events, keyField);
  }

  startPass(): RecordCutter {
    return new JsonRecordCutter(this.reader.maxRecordBytes);
  }

  read(record: RawRecord): number | RowProblem {
    // a source timed by Kafka: the record gets its timestamp when it is written (PACE=dates is refused for it)
    const read = this.reader.read(record.bytes, 0);
    if (!read.ok) return refusal(read);
    this.event = read.value;
    return read.value.ts;
  }

  encode(_ts: number, record: RawRecord): RowProblem | undefined {
    const value = record.bytes.indexOf(LF) === -1 ? record.bytes : JSON.stringify(JSON.parse(record.bytes.toString('utf8')));
    return this.out.set(this.event!, value);
  }

  addTo(sender: BatchSender): Promise<void> | undefined {
    return this.out.addTo(sender);
  }
}
