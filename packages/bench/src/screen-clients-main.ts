#!/usr/bin/env node
// The screens of the pipeline benchmark, in a process of their own (forked by ScreenClients):
// N WebSocket clients, each subscribed as the dashboard page is. For the marker job it notes
// when each client first saw each marker count; every other update is only counted (a real
// browser parses them on another machine, not on the pipeline's two cores).
import WebSocket from 'ws';
import type { ClientsReport, FromClients, ToClients } from './screen-clients';

const [url = '', clientsText = '0', jobsText = '', markerJob = '', markerKey = ''] = process.argv.slice(2);
const CLIENTS = Number(clientsText);
const JOBS = jobsText.split(',');
const MARKER_TAG = `"job":"${markerJob}"`;

/** per client: seen[k] = first time (ms) the client held a marker count >= k */
const seen: number[][] = Array.from({ length: CLIENTS }, () => []);
let updates = 0;
let counting = false;
const sockets: WebSocket[] = [];

interface Frame {
  type: string;
  result?: { job: string; counts: Record<string, number> };
  results?: { job: string; counts: Record<string, number> }[];
  windows?: { job: string; counts: Record<string, number> }[];
}

function onFrame(i: number, text: string): void {
  if (counting) updates += 1;
  if (!text.includes(MARKER_TAG)) return;
  const message = JSON.parse(text) as Frame;
  const results = message.type === 'update' ? [message.result!] : (message.results ?? message.windows ?? []);
  const now = Date.now();
  for (const result of results) {
    if (result.job !== markerJob) continue;
    const count = result.counts[markerKey] ?? 0;
    const marks = seen[i]!;
    for (let k = marks.length; k <= count; k += 1) marks.push(now);
  }
}

async function connectAll(): Promise<void> {
  for (let i = 0; i < CLIENTS; i += 1) {
    const socket = new WebSocket(url);
    sockets.push(socket);
    socket.on('message', (data: Buffer) => onFrame(i, data.toString()));
    socket.on('error', () => undefined);
    await new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    socket.send(JSON.stringify({ type: 'subscribe', jobs: JOBS }));
  }
}

const send = (message: FromClients) => process.send!(message);

process.on('message', (command: ToClients) => {
  if (command === 'count') {
    counting = true;
    updates = 0;
  } else if (command === 'report') {
    counting = false;
    const report: ClientsReport = { updates, seen };
    send({ type: 'report', ...report });
  } else if (command === 'close') {
    for (const socket of sockets) socket.terminate();
    process.exit(0);
  }
});

connectAll().then(
  () => send({ type: 'ready' }),
  (err: unknown) => {
    send({ type: 'failed', error: String(err) });
    process.exit(1);
  },
);
