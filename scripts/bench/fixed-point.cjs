// A numeric aggregate's values to fixed point alone (services/aggregator's toFixedPoint): a
// million integer delays (-60 to 2,939 minutes, as flights have them), each at 0 and at 2
// decimals, five passes. Prints ns per value for this checkout's build and, with an earlier
// build's fixed-point.js, for that one in the same process.
//   pnpm build && node scripts/bench/fixed-point.cjs [earlier services/aggregator/dist/aggregates/fixed-point.js]
const path = require('node:path');

const builds = [['this checkout', path.join(__dirname, '..', '..', 'services', 'aggregator', 'dist', 'aggregates', 'fixed-point.js')]];
if (process.argv[2]) builds.unshift(['earlier', path.resolve(process.argv[2])]);
const values = Array.from({ length: 1_000_000 }, (_, i) => ((i * 7919) % 3000) - 60);

for (const [name, file] of builds) {
  const { toFixedPoint } = require(file);
  const passes = [];
  for (let pass = 0; pass < 5; pass += 1) {
    const started = process.hrtime.bigint();
    let sum = 0;
    for (const v of values) sum += toFixedPoint(v, 0) + toFixedPoint(v, 2);
    if (!Number.isFinite(sum)) throw new Error('a value was refused');
    passes.push(Number(process.hrtime.bigint() - started) / (2 * values.length));
  }
  passes.sort((a, b) => a - b);
  console.log(`${name}: ${passes[2].toFixed(1)} ns per value (median of 5 passes; ${passes.map((p) => p.toFixed(1)).join(', ')})`);
}
