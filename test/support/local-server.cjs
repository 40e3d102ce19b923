// The one local HTTP server base shared by the test fakes, the runtime matrix, the examples and the
// bench: listens on 127.0.0.1 (an ephemeral port unless given), tracks its sockets, turns a handler
// failure into a 500, and closes with every socket destroyed so nothing outlives a test.
// CommonJS with a .d.cts beside it, so that ts-jest tests, .mjs scripts and the bench all load it.
'use strict';
const http = require('node:http');

async function startLocalServer(handler, options = {}) {
  const server = http.createServer();
  if (options.keepAliveTimeout !== undefined) server.keepAliveTimeout = options.keepAliveTimeout;
  const sockets = new Set();
  let connections = 0;
  server.on('connection', (socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('request', (req, res) => {
    Promise.resolve()
      .then(() => handler(req, res))
      .catch((error) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(String(error));
      });
  });
  if (options.onUpgrade) server.on('upgrade', options.onUpgrade);
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
  return {
    server,
    port,
    origin: `http://127.0.0.1:${port}`,
    baseURL: `http://127.0.0.1:${port}/v1`,
    connectionCount: () => connections,
    close() {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

module.exports = { startLocalServer };
