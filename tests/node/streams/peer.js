#!/usr/bin/env node
// A Node Socket.IO 4.8 server on a Redis stream with `@socket.io/redis-streams-adapter`
// 0.3 (node-redis 4 client) and connection state recovery on: the Node peer of the Rust
// nodes in tests/tests/redis_streams.rs. It serves namespace "/" on 127.0.0.1 (an
// ephemeral port) and is driven by one JSON command per line on stdin; it prints one JSON
// line per result.
//
//   node tests/node/streams/peer.js <redis url> [maxDisconnectionDuration ms]
//
// Its sockets (the same behaviour as the Rust test namespace):
//   on connection, unless recovered: socket.data = {label: auth.label}; joins auth.room
//   "whoami" (ack)      -> [socket.id, "node", socket.recovered, [...socket.rooms], socket.data]
//   "join" (room, ack)  -> joins, acks [true]
//
// Commands (each with "seq"; results echo it):
//   {"op":"emit","to":[r],"except":[r],"event":E,"args":[...]}   -> {"seq","done":true}
//   {"op":"emit_ack","to":[r],"event":E,"args":[...],"timeout":MS} -> {"seq","err","responses"}
//   {"op":"fetch","to":[r]}                                      -> {"seq","sockets":[{id,rooms,data}]}
//   {"op":"count"}                                               -> {"seq","count":N}
//   {"op":"sse","event":E,"args":[...]}  (with an ack)           -> {"seq","err","responses"}
// Server-side events: io.on("srv", (...args, ack)) prints {"srv": args}, answers "node:" + args[0].
// Startup prints {"listening":PORT,"uid":UID}. Errors print {"seq","error":msg}; anything
// unexpected prints {"fatal":msg} and exits 1. Exits when stdin ends, after 120 s at the latest.
'use strict';

const http = require('node:http');
const readline = require('node:readline');
const { Server } = require('socket.io');
const { createAdapter } = require('@socket.io/redis-streams-adapter');
const { createClient } = require('redis');

const [url, maxMs = '60000'] = process.argv.slice(2);
const LIFETIME_MS = 120000;

function out(line) {
  process.stdout.write(JSON.stringify(line) + '\n');
}

function fatal(reason) {
  out({ fatal: String(reason) });
  process.exit(1);
}

process.on('uncaughtException', (e) => fatal(`uncaught exception: ${e && e.stack ? e.stack : e}`));
process.on('unhandledRejection', (e) => fatal(`unhandled rejection: ${e && e.stack ? e.stack : e}`));
setTimeout(() => fatal(`still running after ${LIFETIME_MS} ms`), LIFETIME_MS).unref();

async function main() {
  const client = createClient({ url });
  client.on('error', (e) => out({ redis_error: String(e) }));
  await client.connect();
  const httpServer = http.createServer();
  const io = new Server(httpServer, {
    adapter: createAdapter(client),
    connectionStateRecovery: { maxDisconnectionDuration: Number(maxMs) },
    pingInterval: 5000,
    pingTimeout: 5000,
  });

  io.on('connection', (socket) => {
    const auth = socket.handshake.auth || {};
    if (!socket.recovered) {
      socket.data = { label: auth.label };
      if (auth.room) socket.join(auth.room);
    }
    socket.on('whoami', (ack) => ack(socket.id, 'node', socket.recovered, [...socket.rooms], socket.data));
    socket.on('join', (room, ack) => {
      socket.join(room);
      ack(true);
    });
  });
  io.on('srv', (...args) => {
    const ack = typeof args[args.length - 1] === 'function' ? args.pop() : null;
    out({ srv: args });
    if (ack) ack(`node:${args[0]}`);
  });

  await new Promise((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  out({ listening: httpServer.address().port, uid: io.of('/').adapter.uid });

  const commands = {
    async emit(cmd) {
      let op = io.of('/');
      for (const r of cmd.to || []) op = op.to(r);
      for (const r of cmd.except || []) op = op.except(r);
      op.emit(cmd.event, ...(cmd.args || []));
      return { done: true };
    },
    async emit_ack(cmd) {
      let op = io.of('/');
      for (const r of cmd.to || []) op = op.to(r);
      return new Promise((resolve) => {
        op.timeout(cmd.timeout || 3000).emit(cmd.event, ...(cmd.args || []), (err, responses) =>
          resolve({ err: err ? err.message : null, responses }),
        );
      });
    },
    async fetch(cmd) {
      let op = io.of('/');
      for (const r of cmd.to || []) op = op.to(r);
      const sockets = await op.fetchSockets();
      return { sockets: sockets.map((s) => ({ id: s.id, rooms: [...s.rooms], data: s.data })) };
    },
    async count() {
      return { count: await io.of('/').adapter.serverCount() };
    },
    async sse(cmd) {
      return new Promise((resolve) => {
        io.serverSideEmit(cmd.event, ...(cmd.args || []), (err, responses) =>
          resolve({ err: err ? err.message : null, responses }),
        );
      });
    },
  };

  const input = readline.createInterface({ input: process.stdin });
  input.on('line', (text) => {
    if (!text.trim()) return;
    let cmd;
    try {
      cmd = JSON.parse(text);
    } catch (e) {
      fatal(`not JSON: ${text}`);
      return;
    }
    const run = commands[cmd.op];
    if (!run) {
      fatal(`unknown op in ${text}`);
      return;
    }
    run(cmd).then(
      (result) => out({ seq: cmd.seq, ...result }),
      (e) => out({ seq: cmd.seq, error: e && e.message ? e.message : String(e) }),
    );
  });
  input.on('close', async () => {
    io.close();
    setTimeout(() => process.exit(0), 100);
  });
}

main().catch((e) => fatal(e && e.stack ? e.stack : e));
