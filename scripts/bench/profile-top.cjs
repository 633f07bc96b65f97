// Prints the functions with the most self time in a V8 CPU profile (node --cpu-prof), and the
// share of samples per source file: what a process spent its CPU on.
//   node scripts/bench/profile-top.cjs file.cpuprofile [top]
'use strict';
const fs = require('node:fs');
const [file, topText] = process.argv.slice(2);
const profile = JSON.parse(fs.readFileSync(file, 'utf8'));
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const hits = new Map();
for (const id of profile.samples) hits.set(id, (hits.get(id) || 0) + 1);
const total = profile.samples.length;
const bySelf = new Map();
const byFile = new Map();
for (const [id, count] of hits) {
  const { functionName, url, lineNumber } = byId.get(id).callFrame;
  const where = url ? url.replace(/^file:\/\//, '').replace(/.*node_modules\/(\.pnpm\/[^/]+\/node_modules\/)?/, '') : '(native)';
  const key = `${functionName || '(anonymous)'} ${where}:${lineNumber + 1}`;
  bySelf.set(key, (bySelf.get(key) || 0) + count);
  const group = where.includes('/dist/') ? where.replace(/.*\/(services|packages)\//, '$1/') : where.split('/')[0];
  byFile.set(group, (byFile.get(group) || 0) + count);
}
const pct = (n) => `${((n / total) * 100).toFixed(1)}%`;
console.log(`${total} samples`);
for (const [key, n] of [...bySelf].sort((a, b) => b[1] - a[1]).slice(0, Number(topText || 25))) console.log(`${pct(n).padStart(6)}  ${key}`);
console.log('by source:');
for (const [key, n] of [...byFile].sort((a, b) => b[1] - a[1]).slice(0, 15)) console.log(`${pct(n).padStart(6)}  ${key}`);
