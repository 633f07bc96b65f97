// Prints where a process allocated (a sampling heap profile, heap-sampling.cjs): the functions
// allocating most themselves, then most with what they call, as shares of all bytes allocated.
//   node scripts/bench/heap-top.cjs file.heapprofile [top]
'use strict';
const fs = require('node:fs');
const [file, topText] = process.argv.slice(2);
const top = Number(topText || 25);
const profile = JSON.parse(fs.readFileSync(file, 'utf8'));
const self = new Map();
const inclusive = new Map();
let total = 0;
const nameOf = ({ functionName, url, lineNumber }) =>
  `${functionName || '(anonymous)'} ${url ? url.replace(/^file:\/\//, '').replace(/.*\/(dist|node_modules)\//, '') : '(native)'}:${lineNumber + 1}`;
// iterative, with each node's callers' names: deep async stacks overflow a recursive walk
const stack = [{ node: profile.head, callers: new Set() }];
while (stack.length > 0) {
  const { node, callers } = stack.pop();
  const name = nameOf(node.callFrame);
  const size = node.selfSize || 0;
  total += size;
  self.set(name, (self.get(name) || 0) + size);
  const within = new Set(callers).add(name);
  for (const n of within) inclusive.set(n, (inclusive.get(n) || 0) + size);
  for (const child of node.children || []) stack.push({ node: child, callers: within });
}
const pct = (n) => `${((n / total) * 100).toFixed(1)}%`.padStart(6);
console.log(`${(total / 1e6).toFixed(1)} MB allocated (sampled)`);
console.log('allocated by the function itself:');
for (const [name, n] of [...self].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(n)}  ${name}`);
console.log('with what it calls:');
for (const [name, n] of [...inclusive].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(n)}  ${name}`);
