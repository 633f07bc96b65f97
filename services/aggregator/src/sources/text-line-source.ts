import { type Decoded, decodeTextLine } from '@streamtally/contracts';
import type { SourceEvent } from '@streamtally/contracts/sources';
import type { InputSource } from './input-source';

const FIELDS = new Map([
  ['text', 'string'],
  ['source', 'string'],
] as const);

/** Text lines the producer read from TCP or stdin. */
export function textLineSource(name: string, topic: string): InputSource {
  return {
    name,
    topic,
    format: 'text-line',
    fields: FIELDS,
    // its event type is an interface: the same values, without an index signature
    decode: (record) => decodeTextLine(record.value) as Decoded<SourceEvent>,
  };
}
