#!/usr/bin/env node
// Writes grafana/dashboards/*.json from the builders; --check exits 1 when a committed file
// differs from what they give (a test runs it).
//   node packages/dashboards/dist/main.js [--check]
import fs from 'node:fs';
import path from 'node:path';
import { DASHBOARDS, render } from './index';

const dir = path.resolve(__dirname, '../../../grafana/dashboards');
const names = Object.keys(DASHBOARDS) as (keyof typeof DASHBOARDS)[];
if (process.argv[2] === '--check') {
  const stale = names.filter((name) => !fs.existsSync(path.join(dir, name)) || fs.readFileSync(path.join(dir, name), 'utf8') !== render(name));
  process.stdout.write(stale.length ? `out of date: ${stale.join(', ')}; run node packages/dashboards/dist/main.js\n` : 'dashboards up to date\n');
  process.exitCode = stale.length ? 1 : 0;
} else {
  for (const name of names) fs.writeFileSync(path.join(dir, name), render(name));
  process.stdout.write(`wrote ${names.join(', ')} to ${dir}\n`);
}
