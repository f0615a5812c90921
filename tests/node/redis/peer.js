#!/usr/bin/env node
// A Node Socket.IO 4.8 server joined to a Redis cluster by `@socket.io/redis-adapter` 8.3
// (the classic adapter, node-redis 4 clients): the Node peer of the Rust node in
// tests/tests/redis_*.rs. It serves namespace "/" on 127.0.0.1 (an ephemeral port) and is
// driven by one JSON command per line on stdin; it prints one JSON line per result.
//
//   node tests/node/redis/peer.js <redis url> [key] [publishOnSpecificResponseChannel: 0|1]
//
// Binary values travel in commands and results as {"$bin":[bytes]} (a Buffer on the Node side).
//
// Its sockets (the namespace's behaviour, the same as the Rust test namespace):
//   on connection: socket.data = {label: auth.label}; joins auth.room when given
//   "whoami" (ack)           -> [socket.id, "node"]
//   "join" (room, ack)       -> joins, acks [true]
//   "shout" (text, ack)      -> socket.broadcast.emit("shouted", socket.id, text); acks [true]
//   "tell" (sid, text, ack)  -> io.to(sid).emit("told", socket.id, text); acks [true]
// Server-side events: io.on("srv", (...args[, ack])) prints {"srv": args} and answers
// ack("node:" + args[0]).
//
// Commands (each with "seq"; results echo it):
//   {"op":"emit","to":[r],"except":[r],"event":E,"args":[...]}         -> {"seq","done":true}
//   {"op":"emit_ack","to":[r],"except":[r],"event":E,"args":[...],"timeout":MS}
//        -> {"seq","err":msg|null,"responses":[...]}
//   {"op":"fetch","to":[r]}       -> {"seq","sockets":[{id,rooms,data,handshake}]}
//   {"op":"join"|"leave","to":[r],"rooms":[r]}  -> {"seq","done":true}
//   {"op":"disconnect","to":[r],"close":bool}   -> {"seq","done":true}
//   {"op":"sse","event":E,"args":[...],"ack":bool} -> {"seq","err","responses"}
//   {"op":"rooms"}                -> {"seq","rooms":[...]}
//   {"op":"count"}                -> {"seq","count":N}
//   {"op":"local"}                -> {"seq","sockets":[{id,rooms}]} (this node's sockets only)
// Startup prints {"listening":PORT,"uid":UID}. Errors print {"seq","error":msg}; anything
// unexpected prints {"fatal":msg} and exits 1. Exits when stdin ends, after 120 s at the latest.
'use strict';

const http = require('node:http');
const readline = require('node:readline');
const { Server } = require('socket.io');
const { createAdapter } = require('@socket.io/redis-adapter');
const { createClient } = require('redis');

const [url, key = 'socket.io', specific = '0'] = process.argv.slice(2);
const LIFETIME_MS = 120000;

function out(line) {
  process.stdout.write(JSON.stringify(line, (k, v) => (v && v.type === 'Buffer' && Array.isArray(v.data) ? { $bin: v.data } : v)) + '\n');
}

function fatal(reason) {
  out({ fatal: String(reason) });
  process.exit(1);
}

process.on('uncaughtException', (e) => fatal(`uncaught exception: ${e && e.stack ? e.stack : e}`));
process.on('unhandledRejection', (e) => fatal(`unhandled rejection: ${e && e.stack ? e.stack : e}`));
setTimeout(() => fatal(`still running after ${LIFETIME_MS} ms`), LIFETIME_MS).unref();

// {"$bin":[..]} -> Buffer, recursively.
function revive(value) {
  if (Array.isArray(value)) return value.map(revive);
  if (value && typeof value === 'object') {
    if (Array.isArray(value.$bin) && Object.keys(value).length === 1) return Buffer.from(value.$bin);
    const copy = {};
    for (const [k, v] of Object.entries(value)) copy[k] = revive(v);
    return copy;
  }
  return value;
}

function select(cmd) {
  let op = io.of('/');
  for (const r of cmd.to || []) op = op.to(r);
  for (const r of cmd.except || []) op = op.except(r);
  return op;
}

async function main() {
  const pub = createClient({ url });
  const sub = pub.duplicate();
  pub.on('error', (e) => out({ redis_error: String(e) }));
  sub.on('error', (e) => out({ redis_error: String(e) }));
  await Promise.all([pub.connect(), sub.connect()]);
  const httpServer = http.createServer();
  const io = new Server(httpServer, {
    adapter: createAdapter(pub, sub, { key, publishOnSpecificResponseChannel: specific === '1', requestsTimeout: 3000 }),
  });
  global.io = io;

  io.on('connection', (socket) => {
    const auth = socket.handshake.auth || {};
    socket.data = { label: auth.label };
    if (auth.room) socket.join(auth.room);
    socket.on('whoami', (ack) => ack(socket.id, 'node'));
    socket.on('join', (room, ack) => {
      socket.join(room);
      ack(true);
    });
    socket.on('shout', (text, ack) => {
      socket.broadcast.emit('shouted', socket.id, text);
      ack(true);
    });
    socket.on('tell', (sid, text, ack) => {
      io.to(sid).emit('told', socket.id, text);
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
      select(cmd).emit(cmd.event, ...revive(cmd.args || []));
      return { done: true };
    },
    async emit_ack(cmd) {
      return new Promise((resolve) => {
        select(cmd)
          .timeout(cmd.timeout || 2000)
          .emit(cmd.event, ...revive(cmd.args || []), (err, responses) => resolve({ err: err ? err.message : null, responses }));
      });
    },
    async fetch(cmd) {
      const sockets = await select(cmd).fetchSockets();
      return { sockets: sockets.map((s) => ({ id: s.id, rooms: [...s.rooms], data: s.data, handshake: s.handshake })) };
    },
    async join(cmd) {
      select(cmd).socketsJoin(cmd.rooms);
      return { done: true };
    },
    async leave(cmd) {
      select(cmd).socketsLeave(cmd.rooms);
      return { done: true };
    },
    async disconnect(cmd) {
      select(cmd).disconnectSockets(!!cmd.close);
      return { done: true };
    },
    async sse(cmd) {
      const args = revive(cmd.args || []);
      if (!cmd.ack) {
        io.serverSideEmit(cmd.event, ...args);
        return { err: null, responses: [] };
      }
      return new Promise((resolve) => {
        io.serverSideEmit(cmd.event, ...args, (err, responses) => resolve({ err: err ? err.message : null, responses }));
      });
    },
    async rooms() {
      return { rooms: [...(await io.of('/').adapter.allRooms())] };
    },
    async count() {
      return { count: await io.of('/').adapter.serverCount() };
    },
    async local() {
      const sockets = [...io.of('/').sockets.values()].map((s) => ({ id: s.id, rooms: [...s.rooms] }));
      return { sockets };
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
