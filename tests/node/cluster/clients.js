#!/usr/bin/env node
// Hosts real Socket.IO clients for the Rust cluster tests (tests/tests/cluster_clients.rs):
// `socket.io-client` 4.x and `socket.io-client` 0.9.16 (npm alias `sio-client-09`), each
// connected to whichever server of the cluster the test names. The test drives them with
// one JSON command per line on stdin and reads one JSON line per observation on stdout, so
// that every assertion (and every server-side check between steps) lives in the Rust test.
//
//   node tests/node/cluster/clients.js
//
// Commands (stdin):
//   {"op":"connect","client":NAME,"gen":"v4"|"v09","url":BASE,"nsp":"/x",
//    "transport":T,"answer":[...]}
//       T for v4: "websocket", "polling" or "upgrade" (default transports, polling first);
//       for v09: "websocket" or "xhr-polling" (the two the 0.9 client runs under Node).
//       `answer`: the ack arguments the client gives every server event that asks for an
//       ack; without it the client stays silent.
//       `auth`: (v4) the auth payload to connect with.
//       `with`: the name of an earlier client of the same generation whose connection this
//       one shares (another namespace multiplexed on the same engine session).
//       `reconnect` (v4 only): the client reconnects by itself (200-400 ms apart) after a
//       lost connection, as a phone's client does; otherwise it stays disconnected.
//   {"op":"emit","client":NAME,"seq":N,"event":E,"args":[...],"within_ms":MS}
//       emits E with an ack callback.
//   {"op":"send","client":NAME,"seq":N,"args":[X],"within_ms":MS}
//       the client's own `send(X, ack)` (0.9: a message packet; v4: the event `message`),
//       with an ack callback; reported as the ack of emit N.
//   {"op":"pipeline","client":NAME,"seq":N,"emits":[[E,[...]],...],"within_ms":MS}
//       emits every E back to back (in one tick, without waiting for any ack), each with an
//       ack callback; reports the acks once all came, in the order they came.
//   {"op":"close","client":NAME}
//       disconnects the client (no `disconnect` observation).
//   {"op":"drop_transport","client":NAME}
//       v4: closes the client's engine connection (`socket.io.engine.close()`), as a network
//       switch would; a `reconnect` client then reconnects (connection state recovery),
//       to `url` (another server of the cluster) when the command names one.
// Observations (stdout), each with the client's name:
//   {"client":NAME,"connected":ID,"transport":T,"recovered":B}
//                                             B: v4's `socket.recovered`; ID: the socket id (0.9: the session id, which
//                                             is not the socket id: the server never
//                                             tells a 0.9 client that one) and the
//                                             transport it connected over
//   {"client":NAME,"ack":N,"args":[...]}      the ack of emit N
//   {"client":NAME,"ack":N,"timeout":MS}      no ack of emit N within MS
//   {"client":NAME,"pipeline":N,"acks":[{"i":I,"args":[...]},...]}
//                                             every ack of pipeline N, in arrival order (I:
//                                             the emit's index); with "timeout":MS when
//                                             some did not come within MS
//   {"client":NAME,"event":E,"args":[...],"ack_asked":BOOL}
//   {"client":NAME,"disconnect":REASON}       REASON is null when the client gives none
//   {"client":NAME,"error":TEXT}              connect_error, connect_failed, error
//   {"fatal":TEXT}                            a bad command, an exception; the process exits 1
// The process exits when stdin ends (the test is over or gone) and after LIFETIME_MS at the
// latest, so that it never outlives a test that could not kill it.
'use strict';

const readline = require('node:readline');
const { io: connectV4 } = require('socket.io-client');
const io09 = require('sio-client-09');

const LIFETIME_MS = 60000;
const DEFAULT_ACK_MS = 5000;

const clients = new Map();

function out(line) {
  process.stdout.write(JSON.stringify(line) + '\n');
}

function fatal(reason) {
  out({ fatal: String(reason) });
  closeAll();
  process.exit(1);
}

function closeAll() {
  for (const c of clients.values()) {
    try {
      c.closing = true;
      c.close();
    } catch (e) {
      // Best effort: the process is ending.
    }
  }
}

process.on('uncaughtException', (e) => fatal(`uncaught exception: ${e && e.stack ? e.stack : e}`));
process.on('unhandledRejection', (e) => fatal(`unhandled rejection: ${e && e.stack ? e.stack : e}`));
setTimeout(() => fatal(`still running after ${LIFETIME_MS} ms`), LIFETIME_MS).unref();

// A server event reached client `c`: report it, and answer its ack if it asked for one and
// the client has an answer.
function onServerEvent(c, name, params) {
  const ack = typeof params[params.length - 1] === 'function' ? params.pop() : null;
  out({ client: c.name, event: name, args: params, ack_asked: ack !== null });
  if (ack && c.answer !== undefined) ack(...c.answer);
}

// ---------------------------------------------------------------------------
// socket.io-client 4: one Manager per client (forceNew), no reconnection, so that a
// server-side disconnect stays visible.

function connectV4Client(c, cmd) {
  const options = { forceNew: true, reconnection: false, timeout: 5000 };
  if (cmd.reconnect) Object.assign(options, { reconnection: true, reconnectionDelay: 200, reconnectionDelayMax: 400 });
  if (cmd.transport !== 'upgrade') options.transports = [cmd.transport];
  if (cmd.auth) options.auth = cmd.auth;
  const socket = cmd.with ? client(cmd.with).manager.socket(cmd.nsp) : connectV4(cmd.url + cmd.nsp, options);
  c.manager = socket.io;
  socket.on('connect', () =>
    out({ client: c.name, connected: socket.id, transport: socket.io.engine.transport.name, recovered: socket.recovered }),
  );
  socket.on('connect_error', (e) => out({ client: c.name, error: `connect_error: ${e && e.message}` }));
  socket.on('disconnect', (reason) => {
    if (!c.closing) out({ client: c.name, disconnect: reason === undefined ? null : reason });
  });
  socket.onAny((name, ...params) => onServerEvent(c, name, params));
  c.emit = (event, args, done) => socket.emit(event, ...args, (...acked) => done(acked));
  c.send = (args, done) => socket.send(...args, (...acked) => done(acked));
  c.close = () => socket.disconnect();
  c.dropTransport = (url) => {
    // Reconnect elsewhere: the manager makes its next engine from `uri`.
    if (url) socket.io.uri = url;
    socket.io.engine.close();
  };
}

// ---------------------------------------------------------------------------
// socket.io-client 0.9.16: the transport is forced as TESTING-NOTES says (the global list
// replaced, `try multiple transports` off); the namespace shares the connection of "".
// Event packets are seen through the client's own `$emit`, with the client's own ack
// function, so that the answer goes out exactly as the client sends it.

const onPacket09 = io09.SocketNamespace.prototype.onPacket;
io09.SocketNamespace.prototype.onPacket = function (packet) {
  this.eventPacket = packet.type === 'event';
  try {
    return onPacket09.apply(this, arguments);
  } finally {
    this.eventPacket = false;
  }
};

function connectV09Client(c, cmd) {
  io09.transports = [cmd.transport];
  const root = cmd.with
    ? client(cmd.with).root
    : io09.connect(cmd.url, {
        transports: [cmd.transport],
        'force new connection': true,
        'try multiple transports': false,
        reconnect: false,
      });
  c.root = root;
  const ns = root.socket.of(cmd.nsp);
  const emit09 = ns.$emit;
  ns.$emit = function (name, ...params) {
    if (this.eventPacket) {
      this.eventPacket = false;
      onServerEvent(c, name, params);
      return this;
    }
    return emit09.apply(this, arguments);
  };
  ns.on('connect', () => out({ client: c.name, connected: root.socket.sessionid, transport: root.socket.transport.name }));
  ns.on('disconnect', (reason) => {
    if (!c.closing) out({ client: c.name, disconnect: reason === undefined ? null : reason });
  });
  ns.on('connect_failed', (e) => out({ client: c.name, error: `connect_failed: ${JSON.stringify(e)}` }));
  ns.on('error', (e) => out({ client: c.name, error: `error: ${JSON.stringify(e)}` }));
  root.socket.on('error', (e) => out({ client: c.name, error: `socket error: ${JSON.stringify(e)}` }));
  c.emit = (event, args, done) => ns.emit(event, ...args, (...acked) => done(acked));
  c.send = (args, done) => ns.send(args[0], (...acked) => done(acked));
  c.close = () => {
    const s = root.socket;
    if (s.connected || s.connecting) s.disconnect();
    if (s.transport) s.transport.clearTimeouts();
    clearTimeout(s.heartbeatTimeoutTimer);
    clearTimeout(s.connectTimeoutTimer);
  };
}

// ---------------------------------------------------------------------------
// Commands.

function client(name) {
  const c = clients.get(name);
  if (!c) throw new Error(`no client named ${JSON.stringify(name)}`);
  return c;
}

const commands = {
  connect(cmd) {
    if (clients.has(cmd.client)) throw new Error(`client ${cmd.client} exists`);
    if (cmd.with && client(cmd.with).gen !== cmd.gen) throw new Error(`${cmd.with} is not a ${cmd.gen} client`);
    const c = { name: cmd.client, gen: cmd.gen, answer: cmd.answer, closing: false };
    clients.set(cmd.client, c);
    if (cmd.gen === 'v4') connectV4Client(c, cmd);
    else if (cmd.gen === 'v09') connectV09Client(c, cmd);
    else throw new Error(`unknown client generation ${JSON.stringify(cmd.gen)}`);
  },

  emit(cmd) {
    const c = client(cmd.client);
    const within = cmd.within_ms || DEFAULT_ACK_MS;
    const timer = setTimeout(() => out({ client: c.name, ack: cmd.seq, timeout: within }), within);
    c.emit(cmd.event, cmd.args || [], (acked) => {
      clearTimeout(timer);
      out({ client: c.name, ack: cmd.seq, args: acked });
    });
  },

  send(cmd) {
    const c = client(cmd.client);
    const within = cmd.within_ms || DEFAULT_ACK_MS;
    const timer = setTimeout(() => out({ client: c.name, ack: cmd.seq, timeout: within }), within);
    c.send(cmd.args || [], (acked) => {
      clearTimeout(timer);
      out({ client: c.name, ack: cmd.seq, args: acked });
    });
  },

  pipeline(cmd) {
    const c = client(cmd.client);
    const within = cmd.within_ms || DEFAULT_ACK_MS;
    const emits = cmd.emits || [];
    const acks = [];
    let reported = false;
    const timer = setTimeout(() => {
      reported = true;
      out({ client: c.name, pipeline: cmd.seq, timeout: within, acks });
    }, within);
    emits.forEach(([event, args], i) => {
      c.emit(event, args || [], (acked) => {
        if (reported) return;
        acks.push({ i, args: acked });
        if (acks.length === emits.length) {
          reported = true;
          clearTimeout(timer);
          out({ client: c.name, pipeline: cmd.seq, acks });
        }
      });
    });
  },

  close(cmd) {
    const c = client(cmd.client);
    c.closing = true;
    c.close();
  },

  drop_transport(cmd) {
    const c = client(cmd.client);
    if (!c.dropTransport) throw new Error(`${cmd.client} cannot drop its transport`);
    c.dropTransport(cmd.url);
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
  try {
    run(cmd);
  } catch (e) {
    fatal(`${cmd.op} failed: ${e && e.message}`);
  }
});
input.on('close', () => {
  closeAll();
  // Lets a polling client's last request go out before the process ends.
  setTimeout(() => process.exit(0), 100);
});
