import { accept, Decoded, isIntegerIn, parseJsonObject, reject } from './decode-result';
import type { WindowResult } from './message-types';

export type { FoldReason, WindowResult } from './message-types';

/**
 * The record key of a window's results: one key per window, so compaction keeps its latest;
 * a session is one key's, so its key is part of it.
 */
export function windowResultKey(job: string, windowStart: number, sessionKey?: string): string {
  return sessionKey === undefined ? `${job}@${windowStart}` : `${job}@${windowStart}@${sessionKey}`;
}

/** Which window of its job a result is: its start, and for a session its key too. */
export function windowIdOf(result: Pick<WindowResult, 'windowStart' | 'sessionKey'>): string {
  return result.sessionKey === undefined ? String(result.windowStart) : `${result.windowStart}|${result.sessionKey}`;
}

/**
 * The version of a window's result: twice the number of checkpoints that changed the window,
 * plus one once final. Changes only add up (whatever a sum or a minimum does), so versions
 * only grow; a final outranks every provisional result of the same state; emitting the same
 * state twice gives the same version.
 */
export function resultVersion(changes: number, final: boolean): number {
  return changes * 2 + (final ? 1 : 0);
}

/** An aggregate's value: a number, or null when no event of the key had one. */
const isValue = (v: unknown) => v === null || (typeof v === 'number' && Number.isFinite(v));

/** `{name: value}` of every aggregate, as a key's row (or `other`'s) holds them. */
function isValueRow(row: unknown): boolean {
  return row !== null && typeof row === 'object' && !Array.isArray(row) && Object.values(row).every(isValue);
}

export function decodeWindowResult(bytes: Buffer | string | null | undefined): Decoded<WindowResult> {
  const parsed = parseJsonObject(bytes);
  if (!parsed.ok) return parsed;
  const raw = parsed.value;
  if (typeof raw.job !== 'string' || raw.job.length === 0) return reject('bad_job', 'field job: expected a non-empty string');
  if (!isIntegerIn(raw.windowStart, 0, Number.MAX_SAFE_INTEGER)) return reject('bad_windowStart', 'field windowStart: expected epoch ms');
  if (raw.windowEnd !== null && !isIntegerIn(raw.windowEnd, 0, Number.MAX_SAFE_INTEGER)) {
    return reject('bad_windowEnd', 'field windowEnd: expected epoch ms or null');
  }
  if (raw.counts === null || typeof raw.counts !== 'object' || Array.isArray(raw.counts)) {
    return reject('bad_counts', 'field counts: expected an object of counts');
  }
  for (const [key, count] of Object.entries(raw.counts as Record<string, unknown>)) {
    if (!isIntegerIn(count, 0, Number.MAX_SAFE_INTEGER)) return reject('bad_counts', `field counts.${key}: expected a non-negative integer`);
  }
  if (raw.values !== undefined) {
    if (raw.values === null || typeof raw.values !== 'object' || Array.isArray(raw.values))
      return reject('bad_values', 'field values: expected an object of keys');
    for (const [key, row] of Object.entries(raw.values as Record<string, unknown>)) {
      if (!isValueRow(row)) return reject('bad_values', `field values.${key}: expected {aggregate: number or null}`);
    }
  }
  if (raw.other !== undefined) {
    const other = raw.other as Record<string, unknown> | null;
    if (
      other === null ||
      typeof other !== 'object' ||
      !isIntegerIn(other.keys, 1, Number.MAX_SAFE_INTEGER) ||
      !isIntegerIn(other.count, 0, Number.MAX_SAFE_INTEGER) ||
      (other.reason !== undefined && !(Array.isArray(other.reason) && other.reason.every((r) => r === 'maxKeys' || r === 'maxBytes'))) ||
      (other.values !== undefined && !isValueRow(other.values))
    ) {
      return reject('bad_other', 'field other: expected {keys, count, reason?} with a positive number of keys and reasons maxKeys or maxBytes');
    }
  }
  if (raw.sessionKey !== undefined && typeof raw.sessionKey !== 'string') return reject('bad_sessionKey', 'field sessionKey: expected a string');
  if (raw.mergedInto !== undefined && (raw.sessionKey === undefined || !isIntegerIn(raw.mergedInto, 0, Number.MAX_SAFE_INTEGER)))
    return reject('bad_mergedInto', 'field mergedInto: expected epoch ms, on a session result (with sessionKey)');
  if (typeof raw.final !== 'boolean') return reject('bad_final', 'field final: expected a boolean');
  if (!isIntegerIn(raw.version, 0, Number.MAX_SAFE_INTEGER)) return reject('bad_version', 'field version: expected a non-negative integer');
  if (raw.generation !== undefined && !isIntegerIn(raw.generation, 1, Number.MAX_SAFE_INTEGER))
    return reject('bad_generation', 'field generation: expected a positive integer');
  if (!isIntegerIn(raw.emittedAt, 0, Number.MAX_SAFE_INTEGER)) return reject('bad_emittedAt', 'field emittedAt: expected epoch ms');
  if (raw.inputWrittenAt !== undefined && !isIntegerIn(raw.inputWrittenAt, 0, Number.MAX_SAFE_INTEGER)) {
    return reject('bad_inputWrittenAt', 'field inputWrittenAt: expected epoch ms');
  }
  return accept(raw as unknown as WindowResult);
}

export function encodeWindowResult(result: WindowResult): Buffer {
  return Buffer.from(JSON.stringify(result));
}

/** A result's generation (absent: the job's first). */
export function generationOf(result: Pick<WindowResult, 'generation'>): number {
  return result.generation ?? 1;
}

/**
 * True when `candidate` should replace `current` for the same key: a newer generation of the
 * job wins whatever the versions (each generation counts its versions from the start), then
 * the highest version.
 */
export function supersedes(candidate: WindowResult, current: WindowResult | undefined): boolean {
  if (current === undefined) return true;
  const [g, h] = [generationOf(candidate), generationOf(current)];
  return g !== h ? g > h : candidate.version > current.version;
}
