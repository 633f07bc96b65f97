import { boundedDeadLetter, encodeJson, type Problem } from '@streamtally/contracts';
import { OutgoingMessage } from './outgoing-batch';

/**
 * The dead-letter record for a line of a file, bounded in size; undecodable bytes travel as
 * base64. `totalBytes` is the line's whole length when `bytes` holds only its start.
 */
export function fileDeadLetter(file: string, line: number, bytes: Buffer, why: Problem, at: number, totalBytes = bytes.length): OutgoingMessage {
  const encoding = why.code === 'undecodable' ? 'base64' : 'utf8';
  const letter = boundedDeadLetter(why, bytes, encoding, { file, line }, at, totalBytes);
  return { key: `${file}:${line}`, value: encodeJson(letter) };
}
