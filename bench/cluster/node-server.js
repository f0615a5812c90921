#!/usr/bin/env node
// The Node side of bench/cluster.sh: socket.io 4.8 with `@socket.io/redis-adapter` 8.3
// (classic, node-redis 4) serving the subset of the chat demo's `/chat` namespace the
// benchmark uses, with the same wire as the `cluster` example: `nickname` (acks
// [true, nick]), `join` (acks true), `user message` (to the sender's room but the sender:
// `msg_to_room` {from, text, room, at_ms}; acks true). With SHARDED=1 the adapter is
// `createShardedAdapter` (Redis 7 sharded pub/sub, its default dynamic subscription mode),
// as the `cluster` example's SHARDED=1.
//
//   PORT=3101 REDIS_URL=redis://127.0.0.1:6379 [SHARDED=1] node bench/cluster/node-server.js
//
// Prints `listening on http://127.0.0.1:PORT` when ready.
'use strict';

const http = require('node:http');
const { Server } = require('socket.io');
const { createAdapter, createShardedAdapter } = require('@socket.io/redis-adapter');
const { createClient } = require('redis');

async function main() {
  const pub = createClient({ url: process.env.REDIS_URL || 'redis://127.0.0.1:6379' });
  const sub = pub.duplicate();
  await Promise.all([pub.connect(), sub.connect()]);
  const httpServer = http.createServer();
  const sharded = process.env.SHARDED === '1';
  const adapter = sharded ? createShardedAdapter(pub, sub) : createAdapter(pub, sub);
  const io = new Server(httpServer, { adapter });
  io.of('/chat').on('connection', (socket) => {
    let nick = null;
    let room = null;
    socket.on('nickname', (name, ack) => {
      nick = String(name);
      ack([true, nick]);
    });
    socket.on('join', (name, ack) => {
      if (room) socket.leave(room);
      room = String(name);
      socket.join(room);
      ack(true);
    });
    // The load emits lines without an ack (as the chat's page does not wait either).
    socket.on('user message', (text, ack) => {
      const done = typeof ack === 'function' ? ack : () => {};
      if (!nick || !room) return done(false);
      socket.to(room).emit('msg_to_room', { from: nick, text: String(text), room, at_ms: Date.now() });
      done(true);
    });
  });
  const port = Number(process.env.PORT || 3000);
  await new Promise((resolve) => httpServer.listen(port, '127.0.0.1', resolve));
  process.stdout.write(`listening on http://127.0.0.1:${httpServer.address().port}\n`);
}

main().catch((e) => {
  process.stderr.write(`${e && e.stack ? e.stack : e}\n`);
  process.exit(1);
});
