import type { SourceEvent } from '@streamtally/contracts/sources';

// What a job keys an event by: the words of a field, or the values of one or several fields.
const WORD_SEPARATOR = /[^\p{L}\p{N}']+/u;

/** The words of a text: lower-cased, split on anything that is not a letter, digit or apostrophe. */
export function wordsOf(text: string): string[] {
  return text
    .toLowerCase()
    .split(WORD_SEPARATOR)
    .map((w) => w.replace(/^'+|'+$/g, ''))
    .filter((w) => w.length > 0);
}

/**
 * A key of one field is its value as text; of several, their values as a JSON array
 * (`["ORD","LAX"]`), written as JSON.stringify writes the array (a missing value as null)
 * without building it: an array per event was 1.4% of the routes catch-up's CPU.
 */
export function keyOf(event: SourceEvent, fields: readonly string[]): string {
  if (fields.length === 1) return String(event[fields[0]!]);
  let key = '[';
  for (let i = 0; i < fields.length; i += 1) key += `${i === 0 ? '' : ','}${JSON.stringify(event[fields[i]!]) ?? 'null'}`;
  return `${key}]`;
}
