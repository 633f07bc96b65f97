import { decodeUserAction, USER_ACTION_FIELD_TABLE, USER_ACTION_JOB_FIELDS } from '@streamtally/contracts';
import { fixedFormatSource } from './input-source';

const FIELDS = new Map(
  USER_ACTION_JOB_FIELDS.map((name) => [name, USER_ACTION_FIELD_TABLE.find((f) => f.name === name)!.type === 'text' ? 'string' : 'integer'] as const),
);

/** The producer's user-action events (the Tmall log): read straight from their bytes where they have its layout. */
export const userActionSource = fixedFormatSource('user-action', FIELDS, decodeUserAction);
