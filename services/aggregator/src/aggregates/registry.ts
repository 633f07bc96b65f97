import { z } from 'zod';
import type { Aggregate, AggregateDefinition, AggregateKind } from './aggregate';
import { avg } from './avg';
import { count } from './count';
import { distinct } from './distinct';
import { extremum } from './extremum';
import { sum } from './sum';

/**
 * Every aggregate, registered here and only here: a new aggregate is a module in this folder
 * and one line below (README, "Adding an aggregate").
 */
const AGGREGATES = { count, sum, min: extremum('min'), max: extremum('max'), avg, distinct } satisfies Record<string, AggregateKind>;

export type AggregateOp = keyof typeof AGGREGATES;
export const AGGREGATE_OPS = Object.keys(AGGREGATES) as [AggregateOp, ...AggregateOp[]];

/** The most aggregates one job may have: every one is a Redis hash per window. */
export const MAX_AGGREGATES_PER_JOB = 16;

/** An aggregate as written in the jobs file. */
export const aggregateDefinitionSchema = z.strictObject({
  /** its name in results and on the page */
  name: z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,39}$/, 'expected a name of letters, digits and _, starting with a letter'),
  op: z.enum(AGGREGATE_OPS),
  /** the numeric field it reads (every op but count) */
  field: z.string().optional(),
  /** decimal places kept exactly (fixed point); needed for a "number" field, 0 for integers */
  decimals: z.number().int().min(0).max(9).optional(),
});

/** The fields of the job's source and their types, for the checks. */
export type FieldTypes = ReadonlyMap<string, string>;

/** Checks a job's aggregates against its source; each problem names the aggregate and what was expected. */
export function compileAggregates(
  defs: readonly AggregateDefinition[],
  fields: FieldTypes,
  fieldsNote: string,
  required: ReadonlySet<string> = new Set(),
): { ok: true; aggregates: Aggregate[] } | { ok: false; problems: string[] } {
  const problems: string[] = [];
  const aggregates: Aggregate[] = [];
  const names = new Set<string>();
  defs.forEach((def, i) => {
    const at = `aggregates[${i}] ("${def.name}")`;
    const kind: AggregateKind = AGGREGATES[def.op as AggregateOp];
    if (names.has(def.name)) problems.push(`${at}: another aggregate of this job has the same name`);
    names.add(def.name);
    const problem = fieldProblem(def, kind, fields, fieldsNote);
    if (problem) return void problems.push(`${at}: ${problem}`);
    aggregates.push(kind.compile({ ...def, decimals: def.decimals ?? 0, required: def.field !== undefined && required.has(def.field) }));
  });
  return problems.length > 0 ? { ok: false, problems } : { ok: true, aggregates };
}

function fieldProblem(def: AggregateDefinition, kind: AggregateKind, fields: FieldTypes, fieldsNote: string): string | undefined {
  if (!kind.fieldTypes) {
    if (def.field !== undefined || def.decimals !== undefined) return `${def.op} reads no field; remove "field" and "decimals"`;
    return undefined;
  }
  if (def.field === undefined) return `${def.op} needs a "field" (${kind.fieldTypes.join(' or ')})`;
  const type = fields.get(def.field);
  if (type === undefined) return `unknown field "${def.field}" ${fieldsNote}`;
  if (!kind.fieldTypes.includes(type)) return `field "${def.field}" is ${type}; ${def.op} reads ${kind.fieldTypes.join(' or ')} fields`;
  if (def.op === 'distinct') return def.decimals === undefined ? undefined : 'distinct counts values as they are; remove "decimals"';
  if (type === 'number' && def.decimals === undefined)
    return `field "${def.field}" is a number: declare "decimals", the places kept exactly (0-9), e.g. 2 for cents`;
  return undefined;
}
