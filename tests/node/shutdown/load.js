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
//   {"after":NAME,"problem":TEXT,"trace":[...]}
//                                  a problem of a client that reported already
//   {"done":true,"hung":[NAME...]} every client reported (or QUIET_MS passed after the
//                                  first disconnect; `hung` are the silent ones)
// A line with a problem, or a disconnect with another reason than the expected one, has
// the client's `trace`: the last frames and library events it saw (0.9 clients).
//   {"fatal":TEXT}                 a connection failed before `ready`, an exception
// After `done` the process lingers LINGER_MS to catch late reconnection attempts (added
// as {"late":NAME,"problem":TEXT,"trace":[...]}), then exits.
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
// Exits once everything printed is written: stdout is a pipe the test may not be reading
// yet (it reads after `serve` returned), and `process.exit` drops what the pipe did not
// take (the test then saw the host end after some of the reports, without `done`).
function exitAfterOutput(code) {
  process.stdout.write('', () => process.exit(code));
}
function fatal(reason) {
  out({ fatal: String(reason) });
  exitAfterOutput(1);
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
  setTimeout(() => exitAfterOutput(0), LINGER_MS);
}

// What each client saw last (frames in and out of its connection, its library's events),
// with milliseconds since the start: printed with a problem, so that a failure says what
// the client received before it went wrong.
const T0 = Date.now();
const TRACE_LEN = 24;
function trace(c, text) {
  c.trace.push(`${Date.now() - T0} ${text}`);
  if (c.trace.length > TRACE_LEN) c.trace.shift();
}

function problem(c, text) {
  trace(c, `problem: ${text}`);
  if (done) out({ late: c.name, problem: text, trace: c.trace });
  else if (c.reported) out({ after: c.name, problem: text, trace: c.trace });
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
    out({ ready: connected, at: Date.now() - T0 });
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
  trace(c, `disconnect: ${reason}`);
  const expected = c.gen === 'v4' ? 'io server disconnect' : 'booted';
  const line = { client: c.name, gen: c.gen, transport: c.transport, reason: reason === undefined ? null : reason,
    acked: c.acked, sent: c.sent, problems: c.problems };
  if (reason !== expected || c.problems.length) line.trace = c.trace;
  out(line);
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

// The 0.9 client's transport and socket, traced per client (`socket.traced` names it).
function short(data) {
  const text = String(data);
  return text.length > 40 ? `${text.slice(0, 40)}...(${text.length})` : text;
}
function wrap(proto, name, before) {
  const original = proto[name];
  proto[name] = function wrapped(...args) {
    if (this.traced || (this.socket && this.socket.traced)) before(this.traced || this.socket.traced, this, args);
    return original.apply(this, args);
  };
}
wrap(io09.Transport.prototype, 'onData', (c, t, [data]) => trace(c, `in ${t.name}: ${short(data)}`));
wrap(io09.Transport.prototype, 'onClose', (c, t) => {
  // Why a polling transport closed: the status (0: no answer) and error of its requests.
  const why = (xhr) => (xhr ? `${xhr.readyState}/${xhr.status} ${short(xhr.statusText || '')}` : '-');
  const requests = t.name === 'xhr-polling' ? ` (poll ${why(t.xhr)}, post ${why(t.sendXHR)})` : '';
  trace(c, `transport ${t.name} onClose${requests}`);
});
wrap(io09.Transport.prototype, 'onDisconnect', (c, t) => trace(c, `transport ${t.name} onDisconnect`));
for (const kind of [io09.Transport.websocket, io09.Transport.XHR]) {
  wrap(kind.prototype, 'send', (c, t, [data]) => trace(c, `out ${t.name}: ${short(data)}`));
}
wrap(io09.Socket.prototype, 'onDisconnect', (c, s, [reason]) => trace(c, `socket onDisconnect(${reason}) connected=${s.connected}`));
wrap(io09.Socket.prototype, 'onError', (c, s, [e]) => trace(c, `socket onError(${JSON.stringify(e && (e.reason || e.message || e))})`));
wrap(io09.Socket.prototype, 'reconnect', (c) => trace(c, 'socket reconnect()'));
wrap(io09.Transport.websocket.prototype, 'open', (c, t) => {
  process.nextTick(() => {
    const ws = t.websocket;
    if (!ws) return;
    ws.on('open', () => {
      trace(c, 'ws open');
      const raw = ws._socket;
      if (!raw) return;
      raw.prependListener('end', () => trace(c, 'tcp end (FIN)'));
      raw.prependListener('error', (e) => trace(c, `tcp error ${e && e.code}`));
      raw.prependListener('close', () => trace(c, 'tcp close'));
    });
    ws.on('close', () => trace(c, `ws close (close frame code ${ws._closeCode})`));
  });
});

function startV09(c) {
  io09.transports = [c.transport];
  const root = io09.connect(url + nsp, {
    transports: [c.transport],
    'force new connection': true,
    'try multiple transports': false,
  });
  root.socket.traced = c;
  const ns = root.socket.of(nsp);
  ns.on('connect', () => {
    const actual = root.socket.transport.name;
    trace(c, `connected over ${actual}, sid ${root.socket.sessionid}`);
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
      trace: [],
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
