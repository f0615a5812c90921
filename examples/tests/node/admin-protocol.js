#!/usr/bin/env node
// The Admin UI's protocol (`@socket.io/admin-ui` 0.5.1) as the chat demo serves it, driven
// by socket.io-client 4 (the client the UI itself uses) and a socket.io-client 0.9.16 peer.
//
//   node examples/tests/node/admin-protocol.js <baseUrl> <none|basic|readonly> [password]
//
// An admin socket A connects to /socketio-admin (basic: refused without credentials, with a
// wrong password and with an unknown session id; accepted with the right password, then
// again with the session id it got). A gets `config` (the features of its mode),
// `all_sockets` (itself among them, in the UI's shape) and `server_stats` (the UI's shape).
// A chat client C (websocket) connects, takes a nickname and joins a room: A hears
// `socket_connected`, `room_joined` (own id, then the room), `event_received`, `event_sent`.
// A 0.9 client appears with its transport. Then A asks `join`, `leave`, `emit` and
// `_disconnect` for C: carried out (none, basic) or ignored (readonly; C stays, hears
// nothing, and a later join of C's is still reported, so A was listening).
//
// Prints `step ...` lines, then `ok` or `fail: <reason>`.
'use strict';

const { io } = require('socket.io-client');
const io09 = require('sio-client-09');

const base = (process.argv[2] || '').replace(/\/+$/, '');
const mode = process.argv[3];
const password = process.argv[4];
const ADMIN = '/socketio-admin';
const give_up = setTimeout(() => done(new Error('no verdict within 40 s')), 40000);
const sockets = [];
const seen = [];

function out(line) {
  process.stdout.write(line + '\n');
}

function done(error) {
  clearTimeout(give_up);
  for (const s of sockets) {
    try {
      s.disconnect();
    } catch (e) {}
  }
  out(error ? `fail: ${error.message}` : 'ok');
  process.exit(error ? 1 : 0);
}

function check(cond, what) {
  if (!cond) throw new Error(what);
}

function equal(got, want, what) {
  const [g, w] = [JSON.stringify(got), JSON.stringify(want)];
  if (g !== w) throw new Error(`${what}: got ${g.slice(0, 400)}, want ${w.slice(0, 400)}`);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// The first admin event named `name` (after index `from`) whose arguments satisfy `pred`.
async function until(name, pred, what, ms = 6000, from = 0) {
  const deadline = Date.now() + ms;
  for (;;) {
    const hit = seen.slice(from).find(([n, args]) => n === name && pred(args));
    if (hit) return hit[1];
    if (Date.now() > deadline) {
      const names = seen.map(([n]) => n).join(',');
      const last = JSON.stringify(seen.slice(-3)).slice(0, 1500);
      throw new Error(`${what}: no ${name} within ${ms} ms (seen: ${names.slice(-600)}; last: ${last})`);
    }
    await sleep(20);
  }
}

function none(name, pred, from) {
  return !seen.slice(from).some(([n, args]) => n === name && pred(args));
}

function isoDate(d) {
  return typeof d === 'string' && new Date(d).toISOString() === d;
}

// Connects an admin socket with `auth`; resolves with it, or rejects with the connect error.
function admin(auth, record) {
  return new Promise((resolve, reject) => {
    const s = io(base + ADMIN, { auth, forceNew: true, reconnection: false, autoConnect: false });
    sockets.push(s);
    if (record) s.onAny((name, ...args) => seen.push([name, args]));
    s.on('connect', () => resolve(s));
    s.on('connect_error', (e) => reject(e));
    s.connect();
  });
}

async function refused(auth, what) {
  try {
    await admin(auth, false);
  } catch (e) {
    equal(e.message, 'invalid credentials', `${what}: the refusal`);
    return;
  }
  throw new Error(`${what}: accepted`);
}

function connected(url, opts) {
  return new Promise((resolve, reject) => {
    const s = io(url, { forceNew: true, reconnection: false, ...opts });
    sockets.push(s);
    s.on('connect', () => resolve(s));
    s.on('connect_error', reject);
  });
}

const SOCKET_KEYS = ['id', 'clientId', 'transport', 'nsp', 'data', 'handshake', 'rooms'];
const HANDSHAKE_KEYS = ['address', 'headers', 'query', 'issued', 'secure', 'time', 'url', 'xdomain'];

function serializedSocket(s, what) {
  equal(Object.keys(s).sort(), [...SOCKET_KEYS].sort(), `${what}: keys`);
  equal(Object.keys(s.handshake).sort(), [...HANDSHAKE_KEYS].sort(), `${what}: handshake keys`);
  check(typeof s.clientId === 'string' && s.clientId.length === 12, `${what}: clientId ${s.clientId}`);
  check(s.rooms[0] === s.id, `${what}: own-id room first`);
  check(s.handshake.address === '127.0.0.1', `${what}: address ${s.handshake.address}`);
  check(Number.isInteger(s.handshake.issued) && s.handshake.issued > 1.7e12, `${what}: issued`);
  // Date.toString() read back gives the issued second.
  equal(new Date(s.handshake.time).getTime(), Math.floor(s.handshake.issued / 1000) * 1000, `${what}: time`);
  check(s.handshake.query.EIO === '4' || s.nsp === '/chat', `${what}: query`);
}

async function main() {
  const features =
    mode === 'readonly'
      ? ['AGGREGATED_EVENTS', 'ALL_EVENTS']
      : ['EMIT', 'JOIN', 'LEAVE', 'DISCONNECT', 'MJOIN', 'MLEAVE', 'MDISCONNECT', 'AGGREGATED_EVENTS', 'ALL_EVENTS'];

  let credentials = {};
  if (mode === 'basic') {
    out('step refusals');
    await refused({}, 'no credentials');
    await refused({ username: 'admin', password: password + 'x' }, 'a wrong password');
    await refused({ username: 'root', password }, 'a wrong user');
    await refused({ sessionId: '0123456789abcdef' }, 'an unknown session id');
    credentials = { username: 'admin', password };
  }

  out('step admin connects');
  const a = await admin(credentials, true);
  let sessionId = null;
  if (mode === 'basic') {
    [sessionId] = await until('session', () => true, 'the session id');
    check(/^[0-9a-f]{16}$/.test(sessionId), `session id ${sessionId}`);
  } else {
    check(none('session', () => true, 0), 'a session id without basic auth');
  }
  const [config] = await until('config', () => true, 'config');
  equal(config, { supportedFeatures: features }, 'config');
  const [all] = await until('all_sockets', () => true, 'all_sockets');
  const me = all.find((s) => s.id === a.id);
  check(me && me.nsp === ADMIN, `all_sockets lists the admin socket: ${JSON.stringify(all).slice(0, 300)}`);
  serializedSocket(me, 'the admin socket');
  check(!('auth' in me.handshake), 'auth shown');

  out('step server_stats');
  const [stats] = await until('server_stats', () => true, 'server_stats', 5000);
  equal(
    Object.keys(stats).sort(),
    ['aggregatedEvents', 'clientsCount', 'hostname', 'namespaces', 'pid', 'pollingClientsCount', 'serverId', 'uptime'],
    'server_stats keys'
  );
  check(typeof stats.serverId === 'string' && stats.serverId.length > 0, 'serverId');
  check(Number.isInteger(stats.pid) && typeof stats.uptime === 'number', 'pid, uptime');
  check(Number.isInteger(stats.clientsCount) && stats.clientsCount >= 1, `clientsCount ${stats.clientsCount}`);
  check(Number.isInteger(stats.pollingClientsCount), 'pollingClientsCount');
  const types = ['rawConnection', 'rawDisconnection', 'packetsIn', 'packetsOut', 'bytesIn', 'bytesOut'];
  for (const e of stats.aggregatedEvents) {
    check(types.includes(e.type) && e.timestamp % 1000 === 0 && e.count > 0, `aggregated event ${JSON.stringify(e)}`);
  }
  const names = stats.namespaces.map((n) => n.name);
  check(names.includes('/chat') && names.includes(ADMIN) && names.includes('/admin'), `namespaces ${names}`);
  check(stats.namespaces.find((n) => n.name === ADMIN).socketsCount >= 1, 'admin sockets counted');
  // Traffic shows up in a later one.
  await until('server_stats', ([s]) => s.aggregatedEvents.some((e) => e.type === 'bytesOut'), 'bytesOut counted', 5000);

  if (sessionId) {
    out('step session id');
    const again = await admin({ sessionId }, false);
    again.disconnect();
  }

  out('step a chat client');
  const c = await connected(base + '/chat', { transports: ['websocket'] });
  const [cs, when] = await until('socket_connected', ([s]) => s.id === c.id, 'socket_connected of the chat client');
  serializedSocket(cs, 'the chat socket');
  equal([cs.nsp, cs.transport], ['/chat', 'websocket'], 'nsp and transport');
  check(isoDate(when), `socket_connected date ${when}`);
  await until('room_joined', (x) => x[0] === '/chat' && x[1] === c.id && x[2] === c.id, 'own-id room');

  const nick = await c.emitWithAck('nickname', 'carol');
  equal(nick, [true, 'carol'], 'nickname');
  const received = await until('event_received', (x) => x[1] === c.id, 'event_received');
  equal(received.slice(0, 3), ['/chat', c.id, ['nickname', 'carol']], 'event_received');
  check(isoDate(received[3]), 'event_received date');
  const sent = await until('event_sent', (x) => x[1] === c.id && x[2][0] === 'user_joined', 'event_sent');
  equal(sent.slice(0, 3), ['/chat', c.id, ['user_joined', 'carol']], 'event_sent');
  check(isoDate(sent[3]), 'event_sent date');
  equal(await c.emitWithAck('join', 'lobby'), true, 'join');
  await until('room_joined', (x) => equal_(x.slice(0, 3), ['/chat', 'lobby', c.id]), 'room_joined lobby');

  out('step a 0.9 client');
  io09.transports = ['xhr-polling'];
  const old = io09.connect(base + '/chat', {
    transports: ['xhr-polling'],
    'force new connection': true,
    'try multiple transports': false,
    reconnect: false,
  });
  sockets.push(old);
  const [oldSocket] = await until(
    'socket_connected',
    ([s]) => s.nsp === '/chat' && s.transport === 'xhr-polling',
    'the 0.9 client listed with its transport'
  );
  check(oldSocket.id !== c.id, 'a socket of its own');
  old.disconnect();

  out('step operations');
  const from = seen.length;
  const cId = c.id;
  let heard = null;
  c.on('announcement', (text) => {
    if (text === 'from the admin') heard = text;
  });
  let cGone = null;
  c.on('disconnect', (reason) => (cGone = reason));
  a.emit('join', '/chat', 'extra', c.id);
  a.emit('leave', '/chat', 'extra', c.id);
  a.emit('emit', '/chat', c.id, 'announcement', 'from the admin');
  if (mode === 'readonly') {
    a.emit('_disconnect', '/chat', false, c.id);
    await sleep(1500);
    check(cGone === null && c.connected, `read-only: disconnect carried out (${cGone})`);
    // A is still listening: C's own join is reported.
    equal(await c.timeout(5000).emitWithAck('join', 'lounge'), true, 'join lounge');
    await until('room_joined', (x) => equal_(x.slice(0, 3), ['/chat', 'lounge', c.id]), 'room_joined lounge', 6000, from);
    check(none('room_joined', (x) => x[1] === 'extra', from), 'read-only: join carried out');
    check(none('room_left', (x) => x[1] === 'extra', from), 'read-only: leave carried out');
    check(heard === null, 'read-only: emit carried out');
    check(cGone === null && c.connected, `read-only: disconnect carried out (${cGone})`);
  } else {
    await until('room_joined', (x) => equal_(x.slice(0, 3), ['/chat', 'extra', c.id]), 'join by the admin', 6000, from);
    await until('room_left', (x) => equal_(x.slice(0, 3), ['/chat', 'extra', c.id]), 'leave by the admin', 6000, from);
    for (let i = 0; i < 100 && heard === null; i++) await sleep(50);
    equal(heard, 'from the admin', 'emit by the admin');
    await until('event_sent', (x) => x[1] === c.id && x[2][1] === 'from the admin', 'event_sent of the admin emit', 6000, from);
    a.emit('_disconnect', '/chat', false, c.id);
    for (let i = 0; i < 100 && cGone === null; i++) await sleep(50);
    equal(cGone, 'io server disconnect', 'disconnect by the admin');
    const gone = await until('socket_disconnected', (x) => x[1] === cId, 'socket_disconnected', 6000, from);
    equal(gone.slice(0, 2), ['/chat', cId], 'socket_disconnected');
    check(isoDate(gone[3]), 'socket_disconnected date');
  }
}

function equal_(got, want) {
  return JSON.stringify(got) === JSON.stringify(want);
}

main().then(
  () => done(null),
  (e) => done(e)
);
