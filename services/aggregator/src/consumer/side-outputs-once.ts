import type { DeadLetter, LateEvent } from '@streamtally/contracts';
import type { PartitionBatch } from '@streamtally/kafka-client';
import type { BatchOutput, InputMessage } from '../windowing/batch-aggregator';

/** One partition's batch as the consumer hands it over (kafka-client's PartitionBatch), its records as the sources read them. */
export type BatchContext = Omit<PartitionBatch, 'messages' | 'lastOffset'> & { messages: InputMessage[] };

export interface SideOutputs {
  /** writes late events and dead letters; resolves once Kafka acknowledged them */
  send(late: LateEvent[], deadLetters: { key: string; letter: DeadLetter }[]): Promise<void>;
}

/**
 * Writes a batch's late events and dead letters once per batch, however many times the batch
 * is counted again (a refused checkpoint, a retry): `sent` remembers what an earlier try wrote.
 * They go before the checkpoint: a crash after them repeats them (keyed, at least once) but
 * never loses them.
 */
export async function sendOnce(sideOutputs: SideOutputs, out: BatchOutput, sent: Set<string>): Promise<void> {
  const lateKey = (l: LateEvent) => `${l.source.offset}/${l.job}/${l.windowStart}`;
  const late = out.late.filter((l) => !sent.has(lateKey(l)));
  const dead = out.deadLetters.filter((d) => !sent.has(d.key));
  if (late.length === 0 && dead.length === 0) return;
  await sideOutputs.send(late, dead);
  for (const l of late) sent.add(lateKey(l));
  for (const d of dead) sent.add(d.key);
}
