// Reads a V8 .cpuprofile of the aggregator and prints the share of its busy CPU samples
// spent checkpointing: under RedisState.checkpoint, and (upper bound) anywhere in ioredis.
'use strict';
const fs = require('node:fs');
const profile = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
let busy = 0,
  checkpoint = 0,
  redis = 0;
profile.samples.forEach((id, i) => {
  const t = profile.timeDeltas[i];
  if (byId.get(id).callFrame.functionName === '(idle)') return;
  busy += t;
  let inCheckpoint = false,
    inRedis = false;
  for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
    const frame = byId.get(cur).callFrame;
    if (frame.functionName === 'checkpoint' && frame.url.includes('redis-state')) inCheckpoint = true;
    if (frame.url.includes('ioredis')) inRedis = true;
  }
  if (inCheckpoint) checkpoint += t;
  if (inCheckpoint || inRedis) redis += t;
});
console.log(
  `checkpoint CPU share: ${((100 * checkpoint) / busy).toFixed(1)}% under RedisState.checkpoint, ${((100 * redis) / busy).toFixed(1)}% counting all of ioredis`,
);
