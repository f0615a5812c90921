#!/usr/bin/env node
// Many real Socket.IO clients emitting acked events until the server shuts down, for
// tests/tests/shutdown.rs.
//
//   node tests/node/shutdown/load.js URL NSP SPEC
//
// SPEC is JSON: [{"gen":"v4"|"v09","transport":T,"count":N},...] (T for v4: "websocket"
// or "polling"; for v09: "websocket" or "xhr-polling"). Every client connects to NSP with
// its library's default reconnection on, then emits `work` [NAME, SEQ] with an ack
// callback, the next one as soon as the ack comes, with two in flight.
//
// Lines printed (stdout, JSON):
//   {"ready":N}                    every client connected (N of them)
//   {"client":NAME,"gen":G,"transport":T,"reason":R,"acked":[SEQ...],"sent":N,
//    "problems":[TEXT...]}        the client's `disconnect` (R: its reason); problems are
//                                  errors, reconnection attempts, acks after disconnect
//   {"done":true,"hung":[NAME...]} every client reported (or QUIET_MS passed after the
//                                  first disconnect; `hung` are the silent ones)
//   {"fatal":TEXT}                 a connection failed before `ready`, an exception
// After `done` the process lingers LINGER_MS to catch late reconnection attempts (added
// as {"late":NAME,"problem":TEXT}), then exits.
'use strict';

const { io: connectV4 } = require('socket.io-client');
const io09 = require('sio-client-09');

const [url, nsp, specText] = process.argv.slice(2);
const spec = JSON.parse(specText);
const IN_FLIGHT = 2;
const QUIET_MS = 15000;
const LINGER_MS = 1500;
const LIFETIME_MS = 90000;

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

const clients = [];
let connected = 0;
let reported = 0;
let done = false;
let quietTimer = null;

function finish() {
  if (done) return;
  done = true;
  out({ done: true, hung: clients.filter((c) => !c.reported).map((c) => c.name) });
  setTimeout(() => process.exit(0), LINGER_MS);
}

function problem(c, text) {
  if (done) out({ late: c.name, problem: text });
  else c.problems.push(text);
}

function onConnected(c) {
  if (c.connectedOnce) {
    problem(c, 'connected again');
    return;
  }
  c.connectedOnce = true;
  connected += 1;
  if (connected === clients.length) {
    out({ ready: connected });
    for (const each of clients) for (let i = 0; i < IN_FLIGHT; i += 1) emitNext(each);
  }
}

function emitNext(c) {
  if (c.gone) return;
  const seq = c.sent;
  c.sent += 1;
  c.emit('work', [c.name, seq], () => {
    if (c.gone) problem(c, `ack of ${seq} after disconnect`);
    c.acked.push(seq);
    emitNext(c);
  });
}

function onDisconnect(c, reason) {
  if (c.gone) {
    problem(c, `disconnect again: ${reason}`);
    return;
  }
  c.gone = true;
  c.reported = true;
  reported += 1;
  out({ client: c.name, gen: c.gen, transport: c.transport, reason: reason === undefined ? null : reason,
    acked: c.acked, sent: c.sent, problems: c.problems });
  if (!quietTimer) quietTimer = setTimeout(finish, QUIET_MS);
  if (reported === clients.length) finish();
}

function startV4(c) {
  const socket = connectV4(url + nsp, { forceNew: true, transports: [c.transport], timeout: 5000 });
  socket.on('connect', () => {
    const actual = socket.io.engine.transport.name;
    if (actual !== c.transport) problem(c, `connected over ${actual}`);
    onConnected(c);
  });
  socket.on('connect_error', (e) => {
    if (!c.connectedOnce) fatal(`${c.name} connect_error: ${e && e.message}`);
    problem(c, `connect_error: ${e && e.message}`);
  });
  socket.on('disconnect', (reason) => onDisconnect(c, reason));
  socket.io.on('reconnect_attempt', (n) => problem(c, `reconnect attempt ${n}`));
  socket.io.on('error', (e) => problem(c, `manager error: ${e && e.message}`));
  c.emit = (event, args, ack) => socket.emit(event, ...args, ack);
}

function startV09(c) {
  io09.transports = [c.transport];
  const root = io09.connect(url + nsp, {
    transports: [c.transport],
    'force new connection': true,
    'try multiple transports': false,
  });
  const ns = root.socket.of(nsp);
  ns.on('connect', () => {
    const actual = root.socket.transport.name;
    if (actual !== c.transport) problem(c, `connected over ${actual}`);
    onConnected(c);
  });
  ns.on('disconnect', (reason) => onDisconnect(c, reason));
  ns.on('connect_failed', (e) => problem(c, `connect_failed: ${JSON.stringify(e)}`));
  ns.on('error', (e) => {
    if (!c.connectedOnce) fatal(`${c.name} error: ${JSON.stringify(e)}`);
    problem(c, `error: ${JSON.stringify(e)}`);
  });
  root.socket.on('reconnecting', () => problem(c, 'reconnecting'));
  c.emit = (event, args, ack) => ns.emit(event, ...args, ack);
}

for (const [g, group] of spec.entries()) {
  for (let i = 0; i < group.count; i += 1) {
    const c = {
      group: g,
      name: `${group.gen}-${group.transport}-${i}`,
      gen: group.gen,
      transport: group.transport,
      sent: 0,
      acked: [],
      problems: [],
      gone: false,
      reported: false,
      connectedOnce: false,
    };
    clients.push(c);
  }
}
// Connected a few at a time, one group after the other (the 0.9 client reads its
// transport list from a global when it handshakes).
let next = 0;
function connectSome() {
  const group = clients[next] && clients[next].group;
  for (let k = 0; k < 20 && next < clients.length && clients[next].group === group; k += 1, next += 1) {
    const c = clients[next];
    if (c.gen === 'v4') startV4(c);
    else startV09(c);
  }
  if (next >= clients.length) return;
  const waitFor = () => {
    if (clients.slice(0, next).every((c) => c.connectedOnce)) connectSome();
    else setTimeout(waitFor, 10);
  };
  setTimeout(waitFor, 10);
}
connectSome();
