import type { JobDescription, WindowResult } from '@streamtally/contracts';

/** Messages a browser may send on /ws. */
export type ClientMessage = { type: 'subscribe'; jobs: string[] } | { type: 'unsubscribe'; jobs: string[] } | { type: 'ping' };

/** Messages the gateway sends. */
export type ServerMessage =
  | { type: 'snapshot'; job: string; windows: WindowResult[] }
  | { type: 'update'; result: WindowResult }
  /** several results that came together, in the order they came: the same as one update each */
  | { type: 'updates'; results: WindowResult[] }
  | { type: 'subscribed'; jobs: string[] }
  /** the aggregator's jobs, described (on connect, and whenever they change): what the page builds its panels from */
  | { type: 'jobs'; jobs: JobDescription[] }
  | { type: 'pong' }
  | { type: 'error'; error: string };

export type ParsedClientMessage = { ok: true; message: ClientMessage } | { ok: false; error: string };

const MAX_JOBS = 100;

/** Validates one frame from a client; the error says what was wrong, for the client to read. */
export function parseClientMessage(data: string): ParsedClientMessage {
  let raw: unknown;
  try {
    raw = JSON.parse(data);
  } catch {
    return { ok: false, error: 'invalid JSON' };
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return { ok: false, error: 'a message must be a JSON object with a "type"' };
  const message = raw as Record<string, unknown>;
  switch (message.type) {
    case 'ping':
      return { ok: true, message: { type: 'ping' } };
    case 'subscribe':
    case 'unsubscribe': {
      const jobs = message.jobs;
      if (!Array.isArray(jobs) || jobs.length === 0 || jobs.length > MAX_JOBS || !jobs.every((j) => typeof j === 'string' && j.length > 0 && j.length <= 200)) {
        return { ok: false, error: `"${message.type}" needs "jobs": a list of 1-${MAX_JOBS} job names` };
      }
      return { ok: true, message: { type: message.type, jobs: [...new Set(jobs as string[])] } };
    }
    default:
      return { ok: false, error: `unknown message type ${JSON.stringify(message.type ?? null)}; expected subscribe, unsubscribe or ping` };
  }
}

/** Serialises once: the same string goes to every subscriber. */
export function encodeServerMessage(message: ServerMessage): string {
  return JSON.stringify(message);
}

/** Results go to a client in frames of at most this size (or one result, if larger). */
export const UPDATE_FRAME_BYTES = 32 * 1024;

/** Results (each already encoded) in frames of at most UPDATE_FRAME_BYTES, in order. */
export function updateFrames(results: readonly WindowResult[], encoded: readonly string[]): { results: WindowResult[]; frame: string }[] {
  const frames: { results: WindowResult[]; frame: string }[] = [];
  let start = 0;
  let size = 0;
  const close = (end: number) => {
    if (end > start) frames.push({ results: results.slice(start, end), frame: encodeUpdateFrame(encoded.slice(start, end)) });
    start = end;
    size = 0;
  };
  encoded.forEach((text, i) => {
    if (size + text.length > UPDATE_FRAME_BYTES) close(i);
    size += text.length + 1;
  });
  close(encoded.length);
  return frames;
}

/** One frame for results encoded once each: `update` for one, `updates` for several. */
export function encodeUpdateFrame(encodedResults: readonly string[]): string {
  return encodedResults.length === 1 ? `{"type":"update","result":${encodedResults[0]}}` : `{"type":"updates","results":[${encodedResults.join(',')}]}`;
}
