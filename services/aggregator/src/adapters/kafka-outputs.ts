import { type Producer } from '@streamtally/kafka-client';
import { encodeJson, encodeWindowResult, WindowResult, windowResultKey } from '@streamtally/contracts';
import { SideOutputs } from '../consumer/partition-processor';

export interface OutputTopics {
  results: string;
  lateEvents: string;
  deadLetter: string;
}

/** Late events and dead letters, keyed by where they came from so a repeat can be recognised. */
export function kafkaSideOutputs(producer: Producer, topics: OutputTopics): SideOutputs {
  return {
    async send(late, deadLetters) {
      const topicMessages = [];
      if (late.length > 0) {
        topicMessages.push({
          topic: topics.lateEvents,
          messages: late.map((l) => ({
            key: `${l.source.topic}/${l.source.partition}/${l.source.offset}/${l.job}/${l.windowStart}`,
            value: encodeJson(l),
          })),
        });
      }
      if (deadLetters.length > 0) {
        topicMessages.push({ topic: topics.deadLetter, messages: deadLetters.map((d) => ({ key: d.key, value: encodeJson(d.letter) })) });
      }
      await producer.sendBatch({ acks: -1, topicMessages });
    },
  };
}

/** Window results keyed `${job}@${windowStart}` on the (compacted) results topic. */
export function kafkaResultPublisher(producer: Producer, topic: string): (results: WindowResult[]) => Promise<void> {
  return async (results) => {
    await producer.send({
      topic,
      acks: -1,
      messages: results.map((r) => ({ key: windowResultKey(r.job, r.windowStart), value: encodeWindowResult(r) })),
    });
  };
}
