// Node's side of a checkpoint call alone: six partitions' deltas merged into one list
// (state/merge-deltas.js: grouped by window since session 24, folded as they are packed) and packed into the script's argument (state/state-encoding.js), 200
// times, for a flights catch-up's shape: 500 hourly windows per partition, 2 events each,
// `routes` (counts by origin|destination) and `stats` (by origin, with the stats job's five
// cells). Prints the time of merge and pack, and of pack alone, per shape; with a second dist
// dir (an earlier build's services/aggregator/dist), both alternately, twice (a build since session 27:
// its deltas' cells are a row per key).
//   pnpm build && node scripts/bench/merge-pack.cjs [earlier dist dir]
const path = require('node:path');

const root = path.join(__dirname, '..', '..');
const builds = [['this checkout', path.join(root, 'services', 'aggregator', 'dist')]];
if (process.argv[2]) builds.unshift(['earlier', path.resolve(process.argv[2])]);
const load = (dist) => ({ ...require(path.join(dist, 'state', 'merge-deltas.js')), ...require(path.join(dist, 'state', 'state-encoding.js')) });
const airports = Array.from({ length: 300 }, (_, i) => `A${i.toString(36).toUpperCase().padStart(2, 'X')}`);
const STATS_CELLS = [
  { name: 'miles', op: 'incr' },
  { name: 'delay.sum', op: 'incr' },
  { name: 'delay.n', op: 'incr' },
  { name: 'worst', op: 'max' },
  { name: 'destinations', op: 'hll' },
];

/** One partition's deltas: 500 windows of 2 flights, their airports spread as the real ones are. */
function partitionDeltas(p, stats) {
  return Array.from({ length: 500 }, (_, w) => {
    const counts = new Map();
    // a key's row of cell values (since session 27: one Map per cell before it)
    const cells = stats ? new Map() : undefined;
    for (let e = 0; e < 2; e += 1) {
      const origin = airports[(w * 7 + e * 13 + p) % 300];
      const destination = airports[(w * 11 + e * 5 + p * 3) % 300];
      const key = stats ? origin : `${origin}|${destination}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
      if (cells) cells.set(key, [100 + e, 5, 1, 7, new Set([destination])]);
    }
    return { job: 'j', windowStart: w * 3_600_000, windowEnd: (w + 1) * 3_600_000, counts, ...(cells ? { cells } : {}) };
  });
}

for (const stats of [false, true]) {
  const batches = Array.from({ length: 6 }, (_, p) => partitionDeltas(p, stats));
  const cellSpecs = stats ? new Map([['j', STATS_CELLS]]) : undefined;
  const opsOf = () => (stats ? STATS_CELLS.map((c) => c.op) : []);
  for (const [name, dist] of [...builds, ...builds]) {
    const { mergeDeltas, groupDeltas, packDeltas } = load(dist);
    // since session 24 a window's deltas are grouped and folded as they are packed; before, merged into copies
    const merge = groupDeltas ?? ((list) => mergeDeltas(list, opsOf));
    let started = process.hrtime.bigint();
    for (let i = 0; i < 200; i += 1) packDeltas(merge(batches), ['j'], cellSpecs);
    const both = Number(process.hrtime.bigint() - started) / 1e6;
    const merged = merge(batches);
    started = process.hrtime.bigint();
    for (let i = 0; i < 200; i += 1) packDeltas(merged, ['j'], cellSpecs);
    const pack = Number(process.hrtime.bigint() - started) / 1e6;
    console.log(`${stats ? 'stats ' : 'routes'} ${name}: merge and pack ${both.toFixed(0)} ms, pack alone ${pack.toFixed(0)} ms (200 calls)`);
  }
}
