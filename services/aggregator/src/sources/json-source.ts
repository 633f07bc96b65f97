import type { JsonRecordReader } from '@streamtally/contracts/sources';
import type { InputSource } from './input-source';

/** Any JSON object per record, read by its declaration (fields by path and type, event time). */
export function jsonSource(name: string, topic: string, reader: JsonRecordReader): InputSource {
  return {
    name,
    topic,
    format: 'json',
    fields: reader.fieldTypes,
    requiredFields: reader.requiredFields,
    decode: (record) => reader.read(record.value, record.timestamp === undefined ? undefined : Number(record.timestamp)),
  };
}
