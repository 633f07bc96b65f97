/** One step into a JSON value: a member name, or an array index. */
export type PathStep = string | number;

const NAME = /[A-Za-z_$][\w$-]*/y;
const INDEX = /\[(\d{1,9})\]/y;
const QUOTED = /\["((?:[^"\\]|\\.)*)"\]/y;

/**
 * Parses a field's path into a JSON object: member names joined by dots, array indexes in
 * brackets, and any other member name quoted in brackets: `properties.mag`,
 * `geometry.coordinates[2]`, `["Departure Time"]`. Returns the steps, or an error naming
 * the position (1-based).
 */
export function parseFieldPath(path: string): PathStep[] | string {
  const steps: PathStep[] = [];
  let at = 0;
  while (at < path.length) {
    if (steps.length > 0 && path[at] === '.') at += 1;
    else if (steps.length > 0 && path[at] !== '[') return `at position ${at + 1}: expected "." or "[" after a step`;
    const step = stepAt(path, at);
    if (!step) return `at position ${at + 1}: expected a name, an [index] or a ["quoted name"]`;
    steps.push(step.value);
    at = step.end;
  }
  return steps.length > 0 ? steps : 'expected a path such as properties.mag';
}

function stepAt(path: string, at: number): { value: PathStep; end: number } | undefined {
  for (const [pattern, read] of [
    [NAME, (m: RegExpExecArray) => m[0]],
    [INDEX, (m: RegExpExecArray) => Number(m[1])],
    [QUOTED, (m: RegExpExecArray) => JSON.parse(`"${m[1]}"`) as string],
  ] as const) {
    pattern.lastIndex = at;
    const match = pattern.exec(path);
    if (!match) continue;
    try {
      return { value: read(match), end: pattern.lastIndex };
    } catch {
      return undefined; // a quoted name with a bad escape
    }
  }
  return undefined;
}

/** The value at `steps` inside `root`; undefined when any step is missing or of the wrong kind. */
export function valueAt(root: unknown, steps: readonly PathStep[]): unknown {
  let value = root;
  for (const step of steps) {
    if (value === null || typeof value !== 'object') return undefined;
    if (typeof step === 'number') {
      if (!Array.isArray(value)) return undefined;
      value = value[step];
    } else {
      if (Array.isArray(value) || !Object.prototype.hasOwnProperty.call(value, step)) return undefined;
      value = (value as Record<string, unknown>)[step];
    }
  }
  return value;
}

/**
 * Puts `value` at `steps` inside `root`, making the objects and arrays on the way: what a
 * producer does to write a CSV row as the JSON record its declaration reads back. Returns
 * false when an earlier field already put something else on the way (two paths that clash).
 */
export function setAt(root: Record<string, unknown>, steps: readonly PathStep[], value: unknown): boolean {
  let container: Record<string, unknown> | unknown[] = root;
  for (let i = 0; i < steps.length - 1; i += 1) {
    const step = steps[i]!;
    const wantsArray = typeof steps[i + 1] === 'number';
    let next = (container as Record<string | number, unknown>)[step];
    if (next === undefined) {
      next = wantsArray ? [] : {};
      (container as Record<string | number, unknown>)[step] = next;
    }
    if (next === null || typeof next !== 'object' || Array.isArray(next) !== wantsArray) return false;
    container = next as Record<string, unknown> | unknown[];
  }
  const last = steps[steps.length - 1]!;
  if ((typeof last === 'number') !== Array.isArray(container)) return false;
  (container as Record<string | number, unknown>)[last] = value;
  return true;
}
