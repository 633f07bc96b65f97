// The checkpoint script alone: CHECKPOINT_BATCH run on Redis (database 3, flushed first) with
// batches shaped like a flights catch-up (3,000 hourly windows per batch, 2 keys each: 6,000
// events; BENCH_KEYS_PER_WINDOW keys each instead, in 6,000 / that windows), as the catch-up reader sends them; prints the mean time per batch, the first two
// left out. `stats`: with the cells of BENCH_JOB=stats (sum, mean, max, distinct); `counts`:
// counts only (the routes job); `decode`: the script's fences and cjson.decode only.
//   pnpm build && REDIS_URL=redis://127.0.0.1:6390 [BENCH_KEYS_PER_WINDOW=n] [BENCH_PARTITIONS=n [BENCH_SEPARATE=1]] node scripts/bench/checkpoint-script.cjs [stats|counts|decode] [dist dir]
// (the dist dir of a build since session 27: the call is built by its state/checkpoint-call.js, its deltas' cells a row per key)
'use strict';
const path = require('node:path');
const root = path.join(__dirname, '..', '..');
const Redis = require(require.resolve('ioredis', { paths: [path.join(root, 'services', 'aggregator')] }));
const dist = path.resolve(process.argv[3] ?? path.join(root, 'services', 'aggregator', 'dist', 'state'));
const { CHECKPOINT_BATCH } = require(path.join(dist, 'scripts.js'));
const { checkpointCall } = require(path.join(dist, 'checkpoint-call.js'));
const { stateKeys } = require(path.join(dist, 'keys.js'));

const variant = process.argv[2] ?? 'stats';
// BENCH_KEYS_PER_WINDOW=8: the routes job's shape (a window of a catch-up batch holds several routes)
const KEYS_PER_WINDOW = Number(process.env.BENCH_KEYS_PER_WINDOW ?? 2);
const WINDOWS = Math.round(6000 / KEYS_PER_WINDOW);
const BATCHES = 12;
const cells = [
  { name: 'miles.sum', op: 'incr' },
  { name: 'meanDelay.sum', op: 'incr' },
  { name: 'meanDelay.n', op: 'incr' },
  { name: 'worstDelay.max', op: 'max' },
  { name: 'destinations.hll', op: 'hll' },
];
const jobCells = variant === 'stats' ? cells : [];

function deltas(batch) {
  const out = [];
  for (let w = 0; w < WINDOWS; w += 1) {
    const start = (batch * WINDOWS + w) * 3_600_000;
    const counts = new Map();
    // a key's row of cell values (since session 27: one Map per cell before it)
    const rows = new Map();
    for (let k = 0; k < KEYS_PER_WINDOW; k += 1) {
      const key = `O${(w * 7 + k) % 300}`;
      counts.set(key, 1);
      if (jobCells.length > 0) rows.set(key, [1000 + k, 5, 1, 7, new Set([`D${k}`])]);
    }
    out.push({ job: 'g', windowStart: start, windowEnd: start + 3_600_000, counts, ...(jobCells.length > 0 ? { cells: rows } : {}) });
  }
  return out;
}

// BENCH_PARTITIONS=6: each batch's keys dealt to 6 partitions' batches (key i to partition i mod 6),
// checkpointed in one call, their deltas merged (the live reader's CheckpointBatcher), or
// with BENCH_SEPARATE=1 in one call per partition (as before it)
const PARTITIONS = Number(process.env.BENCH_PARTITIONS ?? 1);
const SEPARATE = process.env.BENCH_SEPARATE === '1';

/** Batch b as the partitions' checkpoint requests: the catch-up reader's form (no partition fence, the job's own position moved). */
function requests(b) {
  const parts = Array.from({ length: PARTITIONS }, () => []);
  for (const delta of deltas(b)) {
    const keys = [...delta.counts.keys()];
    keys.forEach((key, i) => {
      const part = parts[i % PARTITIONS];
      const pick = (map) => new Map([[key, map.get(key)]]);
      part.push({ ...delta, counts: pick(delta.counts), ...(delta.cells ? { cells: pick(delta.cells) } : {}) });
    });
  }
  const cells = new Map([['g', jobCells]]);
  return parts.map((list, partition) => ({
    topic: 't',
    partition,
    epoch: '',
    fromOffset: String(b),
    toOffset: String(b + 1),
    maxTs: 1,
    now: 1,
    writtenAt: 1,
    closedSeen: new Map([['g', '']]),
    deltas: list,
    cells,
  }));
}

async function main() {
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6390', { db: 3 });
  await redis.flushdb();
  const script = variant === 'decode' ? CHECKPOINT_BATCH.replace('local total = #deltas', 'do return "OK" end\nlocal total = #deltas') : CHECKPOINT_BATCH;
  const sha = await redis.script('LOAD', script);
  const keys = stateKeys('bench');
  let total = 0;
  for (let b = 0; b < BATCHES; b += 1) {
    const all = requests(b);
    const calls = SEPARATE ? all.map((r) => checkpointCall(keys, [r])) : [checkpointCall(keys, all)];
    const t0 = process.hrtime.bigint();
    for (const call of calls) {
      const outcome = await redis.evalsha(sha, call.keys.length, ...call.keys, ...call.args);
      if (outcome !== 'OK') throw new Error(`batch ${b}: ${outcome}`);
    }
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (b >= 2) total += ms;
  }
  console.log(
    `checkpoint script (${variant}): ${(total / (BATCHES - 2)).toFixed(1)} ms per batch of ${WINDOWS * KEYS_PER_WINDOW} events in ${WINDOWS} windows` +
      (PARTITIONS > 1 ? ` from ${PARTITIONS} partitions, ${SEPARATE ? 'a call each' : 'in one call'}` : ''),
  );
  await redis.flushdb();
  redis.disconnect();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
