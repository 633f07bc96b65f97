// A declared json source's decoding alone (contracts' JsonRecordReader): 200,000 flights-shaped
// records (the aggregator.sh BENCH_SHAPE=json declaration: a `yyyy/MM/dd HH:mm` time, two
// strings, two integers) read from their bytes, five passes, each build in turn per pass.
// Prints ns per record, the median of the passes, per build; with a second dist dir (an earlier
// build's packages/contracts/dist), both.
//   pnpm build && node scripts/bench/json-decode.cjs [earlier contracts dist dir]
const path = require('node:path');

const root = path.join(__dirname, '..', '..');
const { flightRecords } = require(path.join(root, 'packages', 'bench', 'dist', 'flights.js'));
const builds = [['this checkout', path.join(root, 'packages', 'contracts', 'dist')]];
if (process.argv[2]) builds.unshift(['earlier', path.resolve(process.argv[2])]);
const declaration = {
  time: 'date',
  fields: {
    date: { type: 'timestamp', format: 'yyyy/MM/dd HH:mm' },
    origin: { type: 'string' },
    destination: { type: 'string' },
    delay: { type: 'integer' },
    distance: { type: 'integer' },
  },
};
const records = [...flightRecords(200_000)].map((r) => Buffer.from(JSON.stringify(r)));
const readers = builds.map(([name, dist]) => {
  const compiled = require(path.join(dist, 'sources', 'index.js')).JsonRecordReader.compile('flights', declaration);
  if (!compiled.ok) throw new Error(compiled.errors.join('; '));
  return { name, reader: compiled.reader, times: [] };
});
for (let pass = 0; pass < 5; pass += 1) {
  for (const r of readers) {
    const started = process.hrtime.bigint();
    let ts = 0;
    for (const bytes of records) {
      const decoded = r.reader.read(bytes);
      if (!decoded.ok) throw new Error(decoded.error);
      ts += decoded.value.ts % 7;
    }
    r.times.push(Number(process.hrtime.bigint() - started) / records.length);
    if (ts < 0) throw new Error('unreachable');
  }
}
for (const r of readers)
  console.log(`${r.name}: ${r.times.sort((a, b) => a - b)[2].toFixed(0)} ns per record (passes: ${r.times.map((t) => t.toFixed(0)).join(', ')})`);
