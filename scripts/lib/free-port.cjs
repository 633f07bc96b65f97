#!/usr/bin/env node
// Prints a TCP port on 127.0.0.1: the preferred one when it is free, otherwise one the
// kernel picks. Usage: free-port.cjs [preferred]
'use strict';
const net = require('node:net');

function tryListen(port) {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(null));
    server.listen(port, '127.0.0.1', () => {
      const chosen = server.address().port;
      server.close(() => resolve(chosen));
    });
  });
}

(async () => {
  const preferred = Number(process.argv[2] || 0);
  const port = (preferred && (await tryListen(preferred))) || (await tryListen(0));
  process.stdout.write(String(port) + '\n');
})();
