import type { Problem } from '@streamtally/contracts';
import type { RawRecord } from '../csv/record-splitter';
import type { BatchSender } from '../replay/batch-sender';

/** What `read` says of a header line: not an event, not a problem; it sets the columns. */
export const HEADER = 'header';

/** Why a record is refused; `stopsReplay` when no later record can be read either (a header without a needed column). */
export interface RowProblem extends Problem {
  stopsReplay?: boolean;
}

/** Cuts a file's bytes into records (lines, or the elements of a JSON array), in bounded memory. */
export interface RecordCutter {
  push(chunk: Buffer): RawRecord[];
  /** what is left when the file ends */
  end(): RawRecord[];
}

/**
 * One kind of input file: how its bytes are cut into records, and how a record is read and
 * encoded as the event its topic carries. The replay around it (pacing, dead letters, the
 * refusal guard, the limit, the resume line) is one for every kind (replay.ts); the kinds are
 * registered in one place (rows/file-kinds.ts).
 */
export interface EventRows {
  /** a new pass over the file: a fresh cutter, and the header comes again */
  startPass(): RecordCutter;
  /** one record (never a blank line): its data time (ms, what PACE=dates paces by) when it is an event, HEADER, or why it is refused */
  read(record: RawRecord): number | typeof HEADER | RowProblem;
  /**
   * The event `read` last accepted, encoded with event time `ts` (the pacer's): undefined when
   * it is ready for `addTo`, or why it cannot go (larger than the topic takes).
   */
  encode(ts: number, record: RawRecord): Problem | undefined;
  /** hands the event just encoded to the sender, for the event topic; a promise when the sender is full */
  addTo(sender: BatchSender): Promise<void> | undefined;
}

/** Where events go: the topic, and the largest record it takes (its max.message.bytes less the batch overhead). */
export interface EventTopic {
  topic: string;
  maxRecordBytes: number;
}

/** The problem of an event larger than its topic takes. */
export function tooLargeForTopic({ topic, maxRecordBytes }: EventTopic, bytes: number): Problem {
  return {
    code: 'too_large_for_topic',
    reason: `record: ${bytes} bytes, more than topic ${topic} takes (${maxRecordBytes}, from its max.message.bytes)`,
  };
}
