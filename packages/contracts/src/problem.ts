import type { TextLineEvent, WindowResult } from './message-types';
import type { UserActionEvent } from './user-action-fields';

/**
 * Why an input was refused, as a stable code: what metrics, alerts and tools key on, and what
 * a dead letter carries in `code`. The words for a person go with it (`reason`); nothing
 * parses them back.
 */
export type ProblemCode =
  // a Kafka record's value
  | 'no_value'
  | 'not_json'
  | 'not_an_object'
  // a declared field of a JSON source (its path in the dead letter's `field`)
  | 'missing_field'
  | 'wrong_type'
  | 'bad_time'
  | 'too_large'
  // a value an aggregate cannot keep exactly (a number too large for its declared decimals)
  | 'out_of_range'
  // one field of a message or a CSV row (range, type, length, control characters)
  | `bad_${keyof UserActionEvent | keyof TextLineEvent | keyof WindowResult}`
  // a line of a file or socket as a whole
  | 'undecodable'
  | 'too_long'
  | 'too_large_for_topic'
  | 'column_count'
  | 'unclosed_quote'
  | 'bad_quote'
  | 'control_character'
  | 'bad_header';

export interface Problem {
  code: ProblemCode;
  /** the problem in words, naming the field or limit */
  reason: string;
  /** the path of the field at fault, in a record of a declared source */
  field?: string;
}

export const problem = (code: ProblemCode, reason: string): Problem => ({ code, reason });
