/**
 * The shapes of the messages other modules speak of (a problem code names their fields), kept
 * apart from the code that encodes and decodes them: a module that only needs a shape imports
 * nothing else.
 */

/** One line of text on the text-lines topic (the word-count source). */
export interface TextLineEvent {
  text: string;
  /** event time, epoch milliseconds */
  ts: number;
  /** where the line came from, e.g. "tcp:127.0.0.1:51234" or "stdin" */
  source: string;
}

/** Why keys of a window were folded into `other`. */
export type FoldReason = 'maxKeys' | 'maxBytes';

/**
 * One window's counts on the window-results topic (log-compacted, key = `${job}@${windowStart}`,
 * `${job}@${windowStart}@${sessionKey}` for a session). A reader keeps the highest `version`
 * per key; re-emitting a result is harmless.
 */
export interface WindowResult {
  job: string;
  /** inclusive, epoch ms; 0 for a running total; a session's first event */
  windowStart: number;
  /** exclusive, epoch ms; null for a running total, which never closes; a session's last event plus its gap */
  windowEnd: number | null;
  /** for a session window: the key whose session it is (`counts` holds that key only); a
   *  window of another type holds every key and has none */
  sessionKey?: string;
  /** for a session that a later event joined to an earlier one of the same key: the start of the
   *  session it is now part of. Such a result is final, has no counts, and tells a reader to
   *  drop the session it had (its events are in the other one) */
  mergedInto?: number;
  /** count per key, e.g. {"0":1,"1":6,"2":3} for shoppers per gender */
  counts: Record<string, number>;
  /** for a job with aggregates: per key, each aggregate's value by name (null where no event
   *  had one), e.g. {"ORD": {"flights": 12, "distance": 8400, "avgDelay": 3.25}}; the job's
   *  description (job-descriptions topic) says what each one is */
  values?: Record<string, Record<string, number | null>>;
  /** present when the window had more keys than the job's maxKeys (or than fit the size
   *  bound): how many keys were folded out of `counts`, their summed count, and why
   *  (`maxKeys`: past the job's maxKeys; `maxBytes`: a key too large for the result's size
   *  bound, the smaller ones after it still listed); for a job with aggregates, `values` are
   *  theirs folded together (sums added, minima the least, averages over all of them) */
  other?: { keys: number; count: number; reason?: FoldReason[]; values?: Record<string, number | null> };
  /** true once the window has closed: no later version changes the counts */
  final: boolean;
  /** grows with every change of the window's state (twice its changes, plus one once final):
   *  a final result outranks every provisional one */
  version: number;
  /** which definition of the job made it: 1 for its first, one more each time the job's
   *  definition changed or it was recomputed (absent: 1). A newer generation replaces every
   *  window of an older one, whatever their versions */
  generation?: number;
  /** wall-clock ms when the aggregator emitted this version */
  emittedAt: number;
  /** Kafka timestamp (ms) of the oldest input first counted in this version, when known:
   *  the gateway measures event-to-screen latency from it */
  inputWrittenAt?: number;
}
