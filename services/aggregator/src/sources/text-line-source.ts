import { decodeTextLine } from '@streamtally/contracts';
import { fixedFormatSource } from './input-source';

/** Text lines the producer read from TCP or stdin. */
export const textLineSource = fixedFormatSource(
  'text-line',
  new Map([
    ['text', 'string'],
    ['source', 'string'],
  ]),
  decodeTextLine,
);
