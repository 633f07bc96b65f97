import { placeMessages, type Producer, sendPerPartition } from '@streamtally/kafka-client';
import { encodeJson, encodeWindowResult, WindowResult, windowResultKey } from '@streamtally/contracts';
import { SideOutputs } from '../consumer/partition-processor';

export interface OutputTopics {
  results: string;
  lateEvents: string;
  deadLetter: string;
}

/** Each topic's partition count (read at start: ServiceTopics). */
export interface TopicLayout {
  partitionsOf(topic: string): number;
}

/*
 * One request per partition, keys placed as Kafka's Java client places them: on a cluster,
 * one kafkajs request across brokers can report success for a partition whose new leader never
 * got it (sendPerPartition). A failure of any partition fails the call; what the caller then
 * sends again is at most a repeat (same keys and versions), never a gap.
 */

/**
 * The most bytes one request to a partition carries: a catch-up closes thousands of windows at
 * once, and one request with all their finals was refused by the broker (over its
 * message.max.bytes, 1 MiB by default), again on every retry, so no result was written. Half
 * of that leaves room for a record batch's overhead; a result (at most MAX_RESULT_BYTES) fits.
 */
export const OUTPUT_REQUEST_BYTES = 512 * 1024;

/** Late events and dead letters, keyed by where they came from so a repeat can be recognised. */
export function kafkaSideOutputs(producer: Producer, topics: OutputTopics, layout: TopicLayout): SideOutputs {
  return {
    async send(late, deadLetters) {
      if (late.length === 0 && deadLetters.length === 0) return;
      const batch = placeMessages(
        [
          [
            topics.lateEvents,
            late.map((l) => ({ key: `${l.source.topic}/${l.source.partition}/${l.source.offset}/${l.job}/${l.windowStart}`, value: encodeJson(l) })),
          ],
          [topics.deadLetter, deadLetters.map((d) => ({ key: d.key, value: encodeJson(d.letter) }))],
        ],
        (t) => layout.partitionsOf(t),
      );
      await sendPerPartition(producer, batch, undefined, OUTPUT_REQUEST_BYTES);
    },
  };
}

/** Window results keyed `${job}@${windowStart}` (a session: `@${sessionKey}` after it) on the (compacted) results topic. */
export function kafkaResultPublisher(producer: Producer, topic: string, layout: TopicLayout): (results: WindowResult[]) => Promise<void> {
  return async (results) => {
    const batch = placeMessages(
      [[topic, results.map((r) => ({ key: windowResultKey(r.job, r.windowStart, r.sessionKey), value: encodeWindowResult(r) }))]],
      (t) => layout.partitionsOf(t),
    );
    await sendPerPartition(producer, batch, undefined, OUTPUT_REQUEST_BYTES);
  };
}
