import { boundedDeadLetter, encodeJson, encodeTextLine, MAX_TEXT_LINE_BYTES, problem, type Problem, type ProblemCode } from '@streamtally/contracts';
import { BatchSender } from '../replay/batch-sender';
import { Clock } from '../replay/clock';
import { LineSplitter } from './line-splitter';

export interface LineTopics {
  textTopic: string;
  deadLetterTopic: string;
}

export interface LineCounts {
  lines: number;
  deadLettered: number;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Publishes every line of one stream (a TCP connection or stdin) as a TextLineEvent.
 * Lines that are not UTF-8 or longer than 64 KiB go to the dead-letter topic; blank lines
 * carry no words and are skipped.
 */
export async function publishLines(
  stream: AsyncIterable<Buffer | string>,
  source: string,
  topics: LineTopics,
  deps: { sender: BatchSender; clock: Clock; counts: LineCounts; onLine?: () => void; onDeadLetter?: (code: ProblemCode) => void },
): Promise<void> {
  const splitter = new LineSplitter(MAX_TEXT_LINE_BYTES);
  let lineNumber = 0;
  const publish = async (line: { bytes: Buffer; overlong: boolean }) => {
    lineNumber += 1;
    if (line.bytes.length === 0) return;
    let why: Problem | undefined;
    let text = '';
    if (line.overlong) why = problem('too_long', `line too long: more than ${MAX_TEXT_LINE_BYTES} bytes`);
    else {
      try {
        text = utf8.decode(line.bytes);
      } catch {
        why = problem('undecodable', 'undecodable bytes: the line is not valid UTF-8');
      }
    }
    if (why) {
      deps.counts.deadLettered += 1;
      deps.onDeadLetter?.(why.code);
      const letter = boundedDeadLetter(why, line.bytes, 'base64', { file: source, line: lineNumber }, deps.clock.now());
      await deps.sender.add(topics.deadLetterTopic, { key: `${source}:${lineNumber}`, value: encodeJson(letter) });
      return;
    }
    deps.counts.lines += 1;
    deps.onLine?.();
    await deps.sender.add(topics.textTopic, { key: null, value: encodeTextLine({ text, ts: deps.clock.now(), source }) });
  };
  for await (const chunk of stream) {
    for (const line of splitter.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk)) await publish(line);
    await deps.sender.flush(); // a line typed by hand goes out now, not when a batch fills
  }
  for (const line of splitter.end()) await publish(line);
  await deps.sender.flush();
}
