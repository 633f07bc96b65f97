import type { Problem } from '@streamtally/contracts';
import { RawRecord } from './record-splitter';

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

export type DecodedRecord = { ok: true; text: string } | ({ ok: false } & Problem);

/** Decodes a record as strict UTF-8; invalid bytes are a reason, never silently replaced. */
export function decodeRecord(record: RawRecord): DecodedRecord {
  try {
    return { ok: true, text: utf8.decode(record.bytes) };
  } catch {
    return { ok: false, code: 'undecodable', reason: 'undecodable bytes: the line is not valid UTF-8' };
  }
}
