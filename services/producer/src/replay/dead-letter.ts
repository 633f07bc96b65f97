import { boundedDeadLetter, encodeJson } from '@streamtally/contracts';
import { OutgoingMessage } from './batch-sender';

/** A short, bounded label for a bad row's reason (a metric label, a summary line). */
export function reasonKind(reason: string): string {
  if (reason.includes('control character')) return 'control_character';
  if (reason.includes('quoted field')) return 'unclosed_quote';
  if (reason.includes('closing quote')) return 'bad_quote';
  const field = /^field (\w+)/.exec(reason);
  if (field) return `bad_${field[1]}`;
  if (reason.includes('columns')) return 'column_count';
  if (reason.includes('UTF-8')) return 'undecodable';
  if (reason.startsWith('row:')) return 'too_long';
  if (reason.startsWith('record:')) return 'too_large_for_topic';
  if (reason.includes('header')) return 'bad_header';
  return 'other';
}

/**
 * The dead-letter record for a line of a file, bounded in size; undecodable bytes travel as
 * base64. `totalBytes` is the line's whole length when `bytes` holds only its start.
 */
export function fileDeadLetter(file: string, line: number, bytes: Buffer, reason: string, at: number, totalBytes = bytes.length): OutgoingMessage {
  const encoding = reason.includes('UTF-8') ? 'base64' : 'utf8';
  const letter = boundedDeadLetter(reason, bytes, encoding, { file, line }, at, totalBytes);
  return { key: `${file}:${line}`, value: encodeJson(letter) };
}
