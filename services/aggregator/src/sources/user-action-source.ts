import { type Decoded, decodeUserAction, USER_ACTION_FIELD_TABLE, USER_ACTION_JOB_FIELDS } from '@streamtally/contracts';
import type { SourceEvent } from '@streamtally/contracts/sources';
import type { InputSource } from './input-source';

const FIELDS = new Map(
  USER_ACTION_JOB_FIELDS.map((name) => [name, USER_ACTION_FIELD_TABLE.find((f) => f.name === name)!.type === 'text' ? 'string' : 'integer'] as const),
);

/** The producer's user-action events (the Tmall log): read straight from their bytes where they have its layout. */
export function userActionSource(name: string, topic: string): InputSource {
  return {
    name,
    topic,
    format: 'user-action',
    fields: FIELDS,
    // its event type is an interface: the same values, without an index signature
    decode: (record) => decodeUserAction(record.value) as Decoded<SourceEvent>,
  };
}
