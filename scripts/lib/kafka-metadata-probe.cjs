#!/usr/bin/env node
// Sends one Kafka Metadata request (v4, all topics) over a raw socket and exits 0 when
// the broker answers with at least one broker in the cluster. Dependency-free on purpose:
// scripts/kafka-local must work before `pnpm install` has run.
'use strict';
const net = require('node:net');

const [host = '127.0.0.1', portText = '9092', timeoutText = '2000'] = process.argv.slice(2);
const clientId = Buffer.from('kafka-local-probe');

const body = Buffer.alloc(2 + 2 + 4 + 2 + clientId.length + 4 + 1);
let at = 0;
at = body.writeInt16BE(3, at); // api key: Metadata
at = body.writeInt16BE(4, at); // api version 4 (v0-v3 were removed by KIP-896)
at = body.writeInt32BE(1, at); // correlation id
at = body.writeInt16BE(clientId.length, at);
at += clientId.copy(body, at);
at = body.writeInt32BE(-1, at); // topics: null = all
body.writeInt8(0, at); // allow_auto_topic_creation: false
const frame = Buffer.concat([Buffer.alloc(4), body]);
frame.writeInt32BE(body.length, 0);

const socket = net.connect({ host, port: Number(portText) });
const timer = setTimeout(() => fail('no answer within ' + timeoutText + ' ms'), Number(timeoutText));
let received = Buffer.alloc(0);
socket.on('connect', () => socket.write(frame));
socket.on('data', (chunk) => {
  received = Buffer.concat([received, chunk]);
  if (received.length < 4 || received.length < 4 + received.readInt32BE(0)) return;
  // response: size, correlation id, throttle_time_ms, brokers array length
  const correlationId = received.readInt32BE(4);
  const brokerCount = received.readInt32BE(12);
  if (correlationId !== 1) return fail('unexpected correlation id ' + correlationId);
  if (brokerCount < 1) return fail('metadata lists no brokers yet');
  clearTimeout(timer);
  socket.end();
  process.stdout.write('broker answered metadata: ' + brokerCount + ' broker(s)\n');
  process.exit(0);
});
socket.on('error', (err) => fail(err.message));

function fail(reason) {
  process.stderr.write('metadata probe ' + host + ':' + portText + ' failed: ' + reason + '\n');
  process.exit(1);
}
