/**
 * Redis key layout. `{namespace}` is a hash tag: every key of a namespace lives in one
 * cluster slot, so the multi-key Lua scripts stay valid on Redis Cluster too.
 */
export function stateKeys(namespace: string) {
  const p = `st:{${namespace}}`;
  const setOfField = (job: string, window: WindowName, field: string) => `${p}:win:${job}:${window}|${field}`;
  return {
    /** hash: offset (next to consume), maxTs, epoch (owner fence), progressAt */
    partition: (topic: string, partition: number) => `${p}:part:${topic}:${partition}`,
    /**
     * hash: key -> count, a count-only job's (one with aggregates kept its counts here until
     * session 28); a window's name is its start, a session's `start|key`
     */
    window: (job: string, window: WindowName) => `${p}:win:${job}:${window}`,
    /**
     * hash, a job with aggregates': key -> the key's count and cells of the window (fixed-point
     * sums, minima, small sets…) packed in one text (state/cell-scripts.ts); `%` starts no window's name
     */
    cells: (job: string, window: WindowName) => `${p}:win:${job}:%${window}`,
    /**
     * string: set once every window of the job keeps the layout of session 28 (a job with
     * aggregates' counts among its cells), so that checkpoints and reads look no further for an
     * older one; under the windows' prefix (no window's name is a word), so it goes with them
     */
    layout: (job: string) => `${p}:win:${job}:layout`,
    /** hash: `<cell>|<key>` -> one cell, as windows' cells were kept before session 24 (packed when next touched or read) */
    cellsBefore24: (job: string, window: WindowName) => `${p}:win:${job}:#${window}`,
    /** a set cell's HyperLogLog for one key, once its set is past SMALL_SET_MAX: by its field in the cells hash (`<cell>|<key>`) */
    setOfField,
    setOf: (job: string, window: WindowName, cell: string, key: string) => setOfField(job, window, `${cell}|${key}`),
    /** hash: a session job's key -> its open sessions, "start end start end…" */
    sessions: (job: string) => `${p}:sessions:${job}`,
    /** hash: a session merged into an earlier one -> "start joined, its version, its end", until its results are retracted */
    merged: (job: string) => `${p}:merged:${job}`,
    /** hash: window name -> how many checkpoints changed the window: its result's version */
    versions: (job: string) => `${p}:versions:${job}`,
    /** a job's window keys without their start: the checkpoint script appends it */
    windowPrefix: (job: string) => `${p}:win:${job}:`,
    /** sorted set: open window starts, scored by window end (+inf for running totals) */
    open: (job: string) => `${p}:open:${job}`,
    /** string: windows ending at or before this are closed */
    closed: (job: string) => `${p}:closed:${job}`,
    /** hash: windowStart -> Kafka timestamp (ms) of the oldest input counted there since its last emit */
    pending: (job: string) => `${p}:pending:${job}`,
    /** hash: job name -> its registration (JSON: fingerprint, generation, since, retiring) */
    registry: `${p}:jobs`,
    /** hash: `topic:partition` -> the job's next offset there, `topic:partition:ts` -> the highest event time it counted there */
    positions: (job: string) => `${p}:pos:${job}`,
    /** a job's keys: its windows and cells (a pattern), and the keys named by the job alone */
    ofJob: (job: string) => ({
      windows: `${p}:win:${job}:*`,
      named: [
        `${p}:versions:${job}`,
        `${p}:open:${job}`,
        `${p}:closed:${job}`,
        `${p}:pending:${job}`,
        `${p}:pos:${job}`,
        `${p}:sessions:${job}`,
        `${p}:merged:${job}`,
      ],
    }),
    /** counter: written right before WAIT, so WAIT covers every write read before it */
    replicationMark: `${p}:replication-mark`,
    pattern: `${p}:*`,
  };
}

/** A window's name in its job's keys: its start, or for a session `start|key` (the key may hold any character; the start none of `|`). */
export type WindowName = string | number;

/** A partition's field in a job's positions hash. */
export function positionField(topic: string, partition: number): string {
  return `${topic}:${partition}`;
}

/** A window's keys as READ_WINDOWS takes them: its counts, and with cells its cells hash and that of before session 24 (the counts hash: as kept before session 28). */
export function windowReadKeys(keys: ReturnType<typeof stateKeys>, job: string, name: string, cells: readonly unknown[]): string[] {
  return cells.length === 0 ? [keys.window(job, name)] : [keys.window(job, name), keys.cells(job, name), keys.cellsBefore24(job, name)];
}
