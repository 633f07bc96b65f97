/** A compiled job filter: true keeps the event. */
export type EventFilter = (event: Record<string, unknown>) => boolean;

const OPERATORS = ['==', '!=', '<=', '>=', '<', '>'] as const;
type Operator = (typeof OPERATORS)[number];

/**
 * Compiles `field op value` (e.g. `action == 2`, `province != 上海`, `age_range >= 5`)
 * or `field in [a, b]`. Numbers compare as numbers, anything else as text.
 * Returns an error string that says what is wrong with the expression.
 */
export function compileFilter(expression: string, knownFields: readonly string[]): EventFilter | string {
  const inMatch = /^\s*([a-z_]+)\s+in\s+\[(.*)\]\s*$/.exec(expression);
  if (inMatch) {
    const [, field, list] = inMatch as unknown as [string, string, string];
    if (!knownFields.includes(field)) return `unknown field "${field}" (fields: ${knownFields.join(', ')})`;
    const values = new Set(list.split(',').map((v) => v.trim()).filter((v) => v.length > 0));
    if (values.size === 0) return 'the list after "in" is empty';
    return (event) => values.has(String(event[field]));
  }
  const match = /^\s*([a-z_]+)\s*(==|!=|<=|>=|<|>)\s*(.+?)\s*$/.exec(expression);
  if (!match) return `expected "field op value" with op one of ${OPERATORS.join(' ')} or "field in [a, b]"`;
  const [, field, op, raw] = match as unknown as [string, string, Operator, string];
  if (!knownFields.includes(field)) return `unknown field "${field}" (fields: ${knownFields.join(', ')})`;
  const numeric = raw.trim() !== '' && Number.isFinite(Number(raw));
  const value: number | string = numeric ? Number(raw) : raw.replace(/^["'](.*)["']$/, '$1');
  if (!numeric && op !== '==' && op !== '!=') return `"${op}" needs a number, got "${raw}"`;
  return (event) => {
    const actual = event[field];
    const left = numeric ? Number(actual) : String(actual);
    switch (op) {
      case '==': return left === value;
      case '!=': return left !== value;
      case '<': return left < value;
      case '<=': return left <= value;
      case '>': return left > value;
      case '>=': return left >= value;
    }
  };
}
