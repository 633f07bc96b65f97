// The checkpoint script alone: CHECKPOINT_BATCH run on Redis (database 3, flushed first) with
// batches shaped like a flights catch-up (3,000 hourly windows per batch, 2 keys each: 6,000
// events; BENCH_KEYS_PER_WINDOW keys each instead, in 6,000 / that windows), as the catch-up reader sends them; prints the mean time per batch, the first two
// left out. `stats`: with the cells of BENCH_JOB=stats (sum, mean, max, distinct); `counts`:
// counts only (the routes job); `decode`: the script's fences and cjson.decode only.
//   pnpm build && REDIS_URL=redis://127.0.0.1:6390 node scripts/bench/checkpoint-script.cjs [stats|counts|decode] [dist dir]
'use strict';
const path = require('node:path');
const root = path.join(__dirname, '..', '..');
const Redis = require(require.resolve('ioredis', { paths: [path.join(root, 'services', 'aggregator')] }));
const dist = path.resolve(process.argv[3] ?? path.join(root, 'services', 'aggregator', 'dist', 'state'));
const { CHECKPOINT_BATCH } = require(path.join(dist, 'scripts.js'));
const { packDeltas } = require(path.join(dist, 'state-encoding.js'));

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
    const values = jobCells.map(() => new Map());
    for (let k = 0; k < KEYS_PER_WINDOW; k += 1) {
      const key = `O${(w * 7 + k) % 300}`;
      counts.set(key, 1);
      if (values.length > 0) [1000 + k, 5, 1, 7, new Set([`D${k}`])].forEach((v, c) => values[c].set(key, v));
    }
    out.push({ job: 'g', windowStart: start, windowEnd: start + 3_600_000, counts, ...(values.length > 0 ? { cells: values } : {}) });
  }
  return out;
}

async function main() {
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6390', { db: 3 });
  await redis.flushdb();
  const script = variant === 'decode' ? CHECKPOINT_BATCH.replace('local total = #deltas', 'do return "OK" end\nlocal total = #deltas') : CHECKPOINT_BATCH;
  const sha = await redis.script('LOAD', script);
  const p = 'st:{bench}:';
  const keys = ['part:t:0', 'closed:g', 'open:g', 'pending:g', 'versions:g', 'pos:g', 'sessions:g', 'merged:g'].map((k) => p + k);
  let total = 0;
  for (let b = 0; b < BATCHES; b += 1) {
    const json = packDeltas(deltas(b), ['g'], new Map([['g', jobCells]]));
    const cellList = jobCells.map((c) => `${c.name} ${c.op}`).join(' ');
    // the catch-up reader's form: no partition fence, the job's own position moved
    const args = ['', String(b), String(b + 1), '1', '1', '1', '1', 't:0', '', `${p}win:g:`, cellList, '', '', json];
    const t0 = process.hrtime.bigint();
    const outcome = await redis.evalsha(sha, keys.length, ...keys, ...args);
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (outcome !== 'OK') throw new Error(`batch ${b}: ${outcome}`);
    if (b >= 2) total += ms;
  }
  console.log(
    `checkpoint script (${variant}): ${(total / (BATCHES - 2)).toFixed(1)} ms per batch of ${WINDOWS * KEYS_PER_WINDOW} events in ${WINDOWS} windows`,
  );
  await redis.flushdb();
  redis.disconnect();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
