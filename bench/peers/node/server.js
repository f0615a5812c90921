// `PORT=3003 node bench/peers/node/server.js`: Node's socket.io 4.8 (from the project's
// package.json) serving the benchmark's events on `/`, as a peer in bench/run.sh
// (issue 17). The same events as the project's bench_server (examples/src/bench.rs):
// `echo` acked with its own arguments, `broadcast` re-emitted to every socket of `/`,
// `join <room>` (acked), `room <room> <n>` re-emitted as `broadcast` to the room.
// Default server options, both transports, nothing logged per event. Prints
// `listening on http://127.0.0.1:PORT` when ready (PORT=0: any free port).
'use strict';

const http = require('http');
const path = require('path');
const { Server } = require(path.join(__dirname, '..', '..', '..', 'node_modules', 'socket.io'));

const httpServer = http.createServer();
const io = new Server(httpServer);

io.on('connection', (socket) => {
  socket.on('echo', (...args) => {
    const ack = typeof args[args.length - 1] === 'function' ? args.pop() : null;
    if (ack) ack(...args);
  });
  socket.on('broadcast', (...args) => {
    io.emit('broadcast', ...args);
  });
  socket.on('join', (room, ack) => {
    socket.join(String(room));
    if (typeof ack === 'function') ack();
  });
  socket.on('room', (room, ...rest) => {
    io.to(String(room)).emit('broadcast', room, ...rest);
  });
});

const port = Number(process.env.PORT || 3003);
httpServer.listen(port, '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${httpServer.address().port}`);
});
process.on('SIGTERM', () => process.exit(0));
