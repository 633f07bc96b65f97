/** A compiled job filter: true keeps the event. */
export type EventFilter = (event: Record<string, unknown>) => boolean;

const OPERATORS = ['==', '!=', '<=', '>=', '<', '>'] as const;
type Operator = (typeof OPERATORS)[number];

/** A value as written: a number, a quoted text or a bare word (no spaces, quotes or operators). */
const VALUE = /"([^"]*)"|'([^']*)'|(-?\d+(?:\.\d+)?)(?![^\s,\]])|([^\s"'=!<>[\],]+)/y;
const FIELD = /[A-Za-z_][A-Za-z0-9_]*/y;
const OPERATOR = /==|!=|<=|>=|<|>|in(?=\s|\[)/y;
const SPACES = /\s*/y;

/** Thrown inside the parser only; compileFilter returns its message. */
class FilterSyntaxError extends Error {}

/**
 * Compiles `field op value` (e.g. `action == 2`, `province != 上海`, `age_range >= 5`,
 * `province == "inner mongolia"`) or `field in [a, b]`, and nothing else: anything left over,
 * a doubled operator or a missing value is an error naming its position (1-based).
 * Numbers compare as numbers, anything else as text.
 */
export function compileFilter(expression: string, knownFields: readonly string[]): EventFilter | string {
  try {
    return parse(expression, knownFields);
  } catch (err) {
    if (err instanceof FilterSyntaxError) return err.message;
    throw err;
  }
}

function parse(expression: string, knownFields: readonly string[]): EventFilter {
  let at = 0;
  const skipSpaces = () => {
    SPACES.lastIndex = at;
    SPACES.exec(expression);
    at = SPACES.lastIndex;
  };
  const fail = (expected: string): never => {
    const found = at >= expression.length ? 'the end' : `"${expression.slice(at, at + 10)}"`;
    throw new FilterSyntaxError(`at position ${at + 1}: expected ${expected}, found ${found}`);
  };
  const take = (pattern: RegExp, expected: string): RegExpExecArray => {
    skipSpaces();
    pattern.lastIndex = at;
    const match = pattern.exec(expression);
    if (!match) return fail(expected);
    at = pattern.lastIndex;
    return match;
  };
  const value = (): { text: string; number: boolean } => {
    const [, double, single, number, bare] = take(VALUE, 'a value (a number, a "quoted" text or a word)');
    return number !== undefined ? { text: number, number: true } : { text: double ?? single ?? bare!, number: false };
  };

  const field = take(FIELD, 'a field name')[0];
  if (!knownFields.includes(field)) throw new FilterSyntaxError(`unknown field "${field}" (fields: ${knownFields.join(', ')})`);
  const op = take(OPERATOR, `an operator (${OPERATORS.join(' ')} or in)`)[0] as Operator | 'in';
  let filter: EventFilter;
  if (op === 'in') {
    take(/\[/y, '"["');
    const values = new Set<string>([value().text]);
    for (;;) {
      skipSpaces();
      if (expression[at] === ']') break;
      take(/,/y, '"," or "]"');
      values.add(value().text);
    }
    at += 1;
    filter = (event) => values.has(String(event[field]));
  } else {
    const { text, number } = value();
    if (!number && op !== '==' && op !== '!=') throw new FilterSyntaxError(`"${op}" needs a number, got "${text}"`);
    filter = compare(field, op, number ? Number(text) : text);
  }
  skipSpaces();
  if (at < expression.length) fail('the end of the filter');
  return filter;
}

function compare(field: string, op: Operator, value: number | string): EventFilter {
  const numeric = typeof value === 'number';
  return (event) => {
    const actual = event[field];
    const left = numeric ? Number(actual) : String(actual);
    switch (op) {
      case '==':
        return left === value;
      case '!=':
        return left !== value;
      case '<':
        return left < value;
      case '<=':
        return left <= value;
      case '>':
        return left > value;
      case '>=':
        return left >= value;
    }
  };
}
