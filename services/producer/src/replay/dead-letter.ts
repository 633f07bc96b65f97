import { DeadLetter, encodeJson } from '@streamtally/contracts';
import { OutgoingMessage } from './batch-sender';

/** A short, bounded label for a bad row's reason (a metric label, a summary line). */
export function reasonKind(reason: string): string {
  const field = /^field (\w+)/.exec(reason);
  if (field) return `bad_${field[1]}`;
  if (reason.includes('columns')) return 'column_count';
  if (reason.includes('quoted')) return 'unclosed_quote';
  if (reason.includes('UTF-8')) return 'undecodable';
  if (reason.includes('too long')) return 'too_long';
  if (reason.includes('header')) return 'bad_header';
  return 'other';
}

/** The dead-letter record for a line of a file; undecodable bytes travel as base64. */
export function fileDeadLetter(file: string, line: number, bytes: Buffer, reason: string, at: number): OutgoingMessage {
  const decodable = !reason.includes('UTF-8');
  const letter: DeadLetter = {
    reason,
    raw: decodable ? bytes.toString('utf8') : bytes.toString('base64'),
    encoding: decodable ? 'utf8' : 'base64',
    source: { file, line },
    at,
  };
  return { key: `${file}:${line}`, value: encodeJson(letter) };
}
