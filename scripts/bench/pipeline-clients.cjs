// The screens of the pipeline benchmark, in a process of their own (forked by pipeline.cjs):
// N WebSocket clients, each subscribed to every job as the dashboard page is. For the marker
// job it notes when each client first saw each marker count; every other update is only
// counted (a real browser parses them on another machine, not on the pipeline's two cores).
'use strict';
const path = require('node:path');
const root = path.resolve(__dirname, '../..');
const WebSocket = require(require.resolve('ws', { paths: [path.join(root, 'services/gateway')] }));

const [url, clientsText, jobsText, markerJob, markerKey] = process.argv.slice(2);
const CLIENTS = Number(clientsText);
const JOBS = jobsText.split(',');
const MARKER_TAG = `"job":"${markerJob}"`;

/** per client: seen[k] = first time (ms) the client held a marker count >= k */
const seen = Array.from({ length: CLIENTS }, () => []);
let updates = 0;
let counting = false;
const sockets = [];

function onFrame(i, text) {
  if (counting) updates += 1;
  if (!text.includes(MARKER_TAG)) return;
  const message = JSON.parse(text);
  const results =
    message.type === 'update' ? [message.result] : message.type === 'updates' ? message.results : message.type === 'snapshot' ? message.windows : [];
  const now = Date.now();
  for (const result of results) {
    if (result.job !== markerJob) continue;
    const count = result.counts[markerKey] || 0;
    const marks = seen[i];
    for (let k = marks.length; k <= count; k += 1) marks.push(now);
  }
}

async function connectAll() {
  for (let i = 0; i < CLIENTS; i += 1) {
    const socket = new WebSocket(url);
    sockets.push(socket);
    socket.on('message', (data) => onFrame(i, data.toString()));
    socket.on('error', () => undefined);
    await new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    socket.send(JSON.stringify({ type: 'subscribe', jobs: JOBS }));
  }
}

process.on('message', (command) => {
  if (command === 'count') {
    counting = true;
    updates = 0;
  } else if (command === 'report') {
    counting = false;
    process.send({ type: 'report', updates, seen });
  } else if (command === 'close') {
    for (const socket of sockets) socket.terminate();
    process.exit(0);
  }
});

connectAll().then(
  () => process.send({ type: 'ready' }),
  (err) => {
    process.send({ type: 'failed', error: String(err) });
    process.exit(1);
  },
);
