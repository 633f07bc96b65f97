import type { FieldType } from '@streamtally/contracts/sources';

/** A compiled job filter: true keeps the event. */
export type EventFilter = (event: Record<string, unknown>) => boolean;

/** The fields a filter may use: with their declared types, or only their names (compared as today's values say). */
export type FilterFields = ReadonlyMap<string, FieldType> | readonly string[];

const OPERATORS = ['==', '!=', '<=', '>=', '<', '>'] as const;
type Operator = (typeof OPERATORS)[number];
type Value = { text: string; number: boolean };

/** A value as written: a number, a quoted text or a bare word (no spaces, quotes, operators or brackets). */
const VALUE = /"([^"]*)"|'([^']*)'|(-?\d+(?:\.\d+)?)(?![^\s,\])])|([^\s"'=!<>[\](),]+)/y;
const FIELD = /[A-Za-z_][A-Za-z0-9_]*/y;
const OPERATOR = /==|!=|<=|>=|<|>|in(?=\s|\[|\()/y;
const SPACES = /\s*/y;
const KEYWORD = (word: string) => new RegExp(`${word}(?![A-Za-z0-9_])`, 'y');
const AND = KEYWORD('and');
const OR = KEYWORD('or');
const NOT = KEYWORD('not');
const EXISTS = KEYWORD('exists');

/** Thrown inside the parser only; compileFilter returns its message. */
class FilterSyntaxError extends Error {}

/**
 * Compiles a filter over the source's fields: comparisons `field op value` (`== != < <= > >=`),
 * `field in [a, b]` or `field in (a, b)`, `field exists`, joined with `and`, `or`, `not` and
 * parentheses (`not` binds tightest, then `and`, then `or`). A value is a number, a "quoted"
 * or 'quoted' text, or a bare word. With declared types, numbers compare as numbers, text as
 * text, a timestamp with a number of ms or quoted ISO-8601 text, a boolean with true or false;
 * a value of the wrong kind is refused. Any mistake is an error naming its position (1-based).
 */
export function compileFilter(expression: string, fields: FilterFields): EventFilter | string {
  try {
    return new FilterParser(
      expression,
      Array.isArray(fields) ? new Map(fields.map((f) => [f, undefined])) : (fields as ReadonlyMap<string, FieldType>),
    ).parse();
  } catch (err) {
    if (err instanceof FilterSyntaxError) return err.message;
    throw err;
  }
}

class FilterParser {
  private at = 0;

  constructor(
    private readonly expression: string,
    private readonly fields: ReadonlyMap<string, FieldType | undefined>,
  ) {}

  parse(): EventFilter {
    const filter = this.or();
    this.skipSpaces();
    if (this.at < this.expression.length) this.fail('"and", "or" or the end of the filter');
    return filter;
  }

  private or(): EventFilter {
    let left = this.and();
    while (this.keyword(OR)) {
      const [a, b] = [left, this.and()];
      left = (event) => a(event) || b(event);
    }
    return left;
  }

  private and(): EventFilter {
    let left = this.not();
    while (this.keyword(AND)) {
      const [a, b] = [left, this.not()];
      left = (event) => a(event) && b(event);
    }
    return left;
  }

  private not(): EventFilter {
    if (!this.keyword(NOT)) return this.primary();
    const inner = this.not();
    return (event) => !inner(event);
  }

  private primary(): EventFilter {
    this.skipSpaces();
    if (this.expression[this.at] !== '(') return this.comparison();
    this.at += 1;
    const inner = this.or();
    this.take(/\)/y, '")"');
    return inner;
  }

  private comparison(): EventFilter {
    const fieldAt = this.at;
    const field = this.take(FIELD, 'a field name')[0];
    if (!this.fields.has(field)) throw new FilterSyntaxError(`unknown field "${field}" (fields: ${[...this.fields.keys()].join(', ')})`);
    if (this.keyword(EXISTS)) return (event) => event[field] !== undefined && event[field] !== null;
    const op = this.take(OPERATOR, `an operator (${OPERATORS.join(' ')}, in or exists)`)[0] as Operator | 'in';
    const type = this.fields.get(field);
    if (op === 'in') {
      const values = new Set(this.list().map((v) => this.operand(field, type, v, fieldAt)));
      return (event) => values.has(comparable(event[field], type) as string | number | boolean);
    }
    const value = this.value();
    if (type === undefined && !value.number && op !== '==' && op !== '!=') throw new FilterSyntaxError(`"${op}" needs a number, got "${value.text}"`);
    if (type === 'boolean' && op !== '==' && op !== '!=')
      throw new FilterSyntaxError(`at position ${fieldAt + 1}: field "${field}" is a boolean: only == and != compare it`);
    return compare(field, op, this.operand(field, type, value, fieldAt));
  }

  /** `[a, b]` or `(a, b)`: at least one value. */
  private list(): Value[] {
    const open = this.take(/[[(]/y, '"[" or "("')[0];
    const close = open === '[' ? ']' : ')';
    const values = [this.value()];
    for (;;) {
      this.skipSpaces();
      if (this.expression[this.at] === close) break;
      this.take(/,/y, `"," or "${close}"`);
      values.push(this.value());
    }
    this.at += 1;
    return values;
  }

  /** The value as the field's type compares it; a value of the wrong kind is refused. */
  private operand(field: string, type: FieldType | undefined, value: Value, fieldAt: number): number | string | boolean {
    const refuse = (expected: string): never => {
      throw new FilterSyntaxError(`at position ${fieldAt + 1}: field "${field}" is ${expected}, got "${value.text}"`);
    };
    switch (type) {
      case undefined:
        return value.number ? Number(value.text) : value.text;
      case 'integer':
      case 'number':
        return value.number ? Number(value.text) : refuse(`${type === 'integer' ? 'an integer' : 'a number'}: expected a number`);
      case 'timestamp': {
        if (value.number) return Number(value.text);
        const ms = /^\d{4}-\d{2}-\d{2}T[\d:.]+(Z|[+-]\d{2}:?\d{2})$/.test(value.text) ? Date.parse(value.text) : NaN;
        return Number.isNaN(ms) ? refuse('a timestamp: expected epoch ms or ISO-8601 text with an offset') : ms;
      }
      case 'boolean':
        return value.text === 'true' ? true : value.text === 'false' ? false : refuse('a boolean: expected true or false');
      case 'string':
        return value.text;
    }
  }

  private value(): Value {
    const [, double, single, number, bare] = this.take(VALUE, 'a value (a number, a "quoted" text or a word)');
    return number !== undefined ? { text: number, number: true } : { text: double ?? single ?? bare!, number: false };
  }

  private keyword(pattern: RegExp): boolean {
    this.skipSpaces();
    pattern.lastIndex = this.at;
    if (!pattern.test(this.expression)) return false;
    this.at = pattern.lastIndex;
    return true;
  }

  private take(pattern: RegExp, expected: string): RegExpExecArray {
    this.skipSpaces();
    pattern.lastIndex = this.at;
    const match = pattern.exec(this.expression);
    if (!match) return this.fail(expected);
    this.at = pattern.lastIndex;
    return match;
  }

  private skipSpaces(): void {
    SPACES.lastIndex = this.at;
    SPACES.exec(this.expression);
    this.at = SPACES.lastIndex;
  }

  private fail(expected: string): never {
    const { expression, at } = this;
    const found = at >= expression.length ? 'the end' : `"${expression.slice(at, at + 10)}"`;
    throw new FilterSyntaxError(`at position ${at + 1}: expected ${expected}, found ${found}`);
  }
}

/** An event's value as `in` looks it up: numbers as numbers where the field is numeric, else as text. */
function comparable(actual: unknown, type: FieldType | undefined): unknown {
  if (type === undefined) return typeof actual === 'number' ? actual : String(actual);
  if (type === 'string') return String(actual);
  return actual;
}

function compare(field: string, op: Operator, value: number | string | boolean): EventFilter {
  const numeric = typeof value === 'number';
  return (event) => {
    const actual = event[field];
    if (actual === null || actual === undefined) return op === '!=';
    const left = numeric ? Number(actual) : typeof value === 'boolean' ? actual : String(actual);
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
