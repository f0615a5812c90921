#!/usr/bin/env node
// Real-client scenarios for the `chat` example (namespaces /chat and /admin) over the
// Socket.IO 0.9 protocol, driven by the stock socket.io-client 0.9.16 (npm alias
// `sio-client-09`). Several clients run in one process, each on its own connection.
//
//   node tests/node/v09/chat-client.js <scenario> <baseUrl> <transport>
//
// Prints `step ...` lines as it goes, then `ok <scenario>` (exit 0) or
// `fail <scenario>: <reason>` (exit 1). With SIO_WIRE=1 in the environment it also
// prints every packet sent (`wire <client> > ...`) and received (`wire <client> < ...`).
//
// Server contract (examples/src/chat/mod.rs and examples/src/admin.rs, served by the
// `chat` binary). Every ack carries exactly one value: a Rust tuple is one JSON
// array, `()` is null.
//   /chat   on connect: nicknames([...]) to the newcomer only (sorted), once.
//           nickname(nick) -> [true, trimmed nick] or [false, why] (empty, over 32
//             characters, taken); unlocks `user message`. A socket has one nickname:
//             the first emits announcement('<nick> has connected') + user_joined(nick)
//             to every /chat socket; another renames (announcement('<old> is now
//             <new>') + user_renamed(old, new)); the same one changes nothing. On
//             disconnect the others get '<nick> has disconnected' + user_left(nick).
//             The whole list is never sent again.
//           join(room) -> true (leaves the previous room); false for a bad name
//           'user message'(text) -> locked until `nickname`; true once in a room, after
//             sending msg_to_room({from, text, room, at_ms}) to the rest of the room
//           check(n) -> emits ping(n) asking for an ack; 'ok' if the ack is n within
//             1 s, 'wrong answer <m>' if it is m, the AckError text if none comes
//   /admin  locked except login(password) -> bool (right password lifts the ACL);
//           logout() -> true (locks again); broadcast(text) -> true after sending
//           notice(text) to every other logged-in /admin socket
// Refusals: an `error` event [code, text] plus a null ack when one was asked for:
// `method_access_denied` ('You do not have access to method "<event>"'),
// `invalid_method_args` (wrong arity or types), `no_such_method` (unknown event).
'use strict';

const assert = require('node:assert');
const io = require('sio-client-09');

const SCENARIOS = ['typed-acks', 'wrong-args', 'acl', 'rooms', 'broadcast', 'ack-timeout'];
const TRANSPORTS = ['websocket', 'xhr-polling'];

const [scenario, baseUrlArg, transport] = process.argv.slice(2);

function out(line) {
  process.stdout.write(line + '\n');
}

if (!SCENARIOS.includes(scenario) || !baseUrlArg || !TRANSPORTS.includes(transport)) {
  out(`fail ${scenario || '?'}: usage: chat-client.js <${SCENARIOS.join('|')}> <baseUrl> <${TRANSPORTS.join('|')}>`);
  process.exit(1);
}

const baseUrl = baseUrlArg.replace(/\/+$/, '');
const TIMEOUT_MS = 15000;
// How long to wait for any single reply that is expected to come.
const STEP_MS = 5000;
// How long to listen for something that must NOT come.
const QUIET_MS = 500;
// The admin password the server is started with (the example's default).
const PASSWORD = process.env.ADMIN_PASSWORD || 'secret';
const WIRE = process.env.SIO_WIRE === '1';

// ---------------------------------------------------------------------------
// Process bookkeeping: every connection is closed before exit, every timer is
// cleared, and the process always ends through finish() or fail().

const sockets = [];
const timers = new Set();
let currentStep = 'start';
let finished = false;
// Set while we tear down: disconnects we cause ourselves are not failures.
let closing = false;

function later(ms, fn) {
  const t = setTimeout(() => {
    timers.delete(t);
    fn();
  }, ms);
  timers.add(t);
  return t;
}

function cancel(t) {
  clearTimeout(t);
  timers.delete(t);
}

function sleep(ms) {
  return new Promise((resolve) => later(ms, resolve));
}

function step(name) {
  currentStep = name;
  out(`step ${name}`);
}

function describe(v) {
  try {
    return JSON.stringify(v);
  } catch (e) {
    return String(v);
  }
}

function stopSocket(s) {
  try {
    s.options.reconnect = false;
    if (s.reconnectionTimer) clearTimeout(s.reconnectionTimer);
    if (s.connected || s.connecting) s.disconnect();
    if (s.transport) s.transport.clearTimeouts();
    clearTimeout(s.heartbeatTimeoutTimer);
    clearTimeout(s.connectTimeoutTimer);
  } catch (e) {
    // Best effort: the caller is done with this connection.
  }
}

function closeAll() {
  closing = true;
  for (const s of sockets) stopSocket(s);
}

function fail(reason) {
  if (finished) return;
  finished = true;
  out(`fail ${scenario}: ${String(reason).replace(/\s*\n\s*/g, ' | ')}`);
  for (const t of timers) clearTimeout(t);
  timers.clear();
  closeAll();
  process.exit(1);
}

async function finish() {
  if (finished) return;
  closeAll();
  // Lets the `0::` of a polling connection go out before we exit.
  await sleep(200);
  if (finished) return;
  finished = true;
  for (const t of timers) clearTimeout(t);
  timers.clear();
  out(`ok ${scenario}`);
  process.exit(0);
}

later(TIMEOUT_MS, () => fail(`timeout after ${TIMEOUT_MS} ms (at step "${currentStep}")`));
process.on('uncaughtException', (e) => fail(`uncaught exception: ${e && e.stack ? e.stack : e}`));
process.on('unhandledRejection', (e) => fail(`unhandled rejection: ${e && e.stack ? e.stack : e}`));

function failUnlessClosing(reason) {
  if (!closing) fail(reason);
}

function expectEqual(actual, expected, what) {
  try {
    assert.deepStrictEqual(actual, expected);
  } catch (e) {
    throw new Error(`${what}: expected ${describe(expected)}, got ${describe(actual)}`);
  }
}

// msg_to_room carries one ChatLine object; its time stamp is the server's clock, so it is
// checked for being recent rather than for a value.
function expectLine(args, from, text, room, what) {
  if (!Array.isArray(args) || args.length !== 1 || typeof args[0] !== 'object' || args[0] === null) {
    throw new Error(`${what}: expected one ChatLine argument, got ${describe(args)}`);
  }
  const { at_ms: at, ...rest } = args[0];
  expectEqual(rest, { from, text, room }, `${what} line`);
  if (typeof at !== 'number' || Math.abs(Date.now() - at) > 60000) {
    throw new Error(`${what}: at_ms ${describe(at)} is not a recent time stamp`);
  }
}

// ---------------------------------------------------------------------------
// Packet recording. Every namespace object gets an inbox of the event packets
// it received, in order; tests take events out of it (waiting if need be) and
// can check that nothing of a kind arrived. Error packets (type 7) are not
// part of the contract and fail the run at once.

const origNsOnPacket = io.SocketNamespace.prototype.onPacket;
io.SocketNamespace.prototype.onPacket = function (packet) {
  if (this.inbox) this.inbox.push(packet);
  return origNsOnPacket.apply(this, arguments);
};

if (WIRE) {
  const origTransportOnPacket = io.Transport.prototype.onPacket;
  io.Transport.prototype.onPacket = function (packet) {
    out(`wire ${this.socket.label || '?'} < ${io.parser.encodePacket(packet)}`);
    return origTransportOnPacket.apply(this, arguments);
  };
  const origSocketPacket = io.Socket.prototype.packet;
  io.Socket.prototype.packet = function (packet) {
    out(`wire ${this.label || '?'} > ${io.parser.encodePacket(packet)}`);
    return origSocketPacket.apply(this, arguments);
  };
}

class Inbox {
  constructor(label) {
    this.label = label;
    this.unread = [];
    this.waiters = [];
  }

  push(packet) {
    if (packet.type === 'error') {
      failUnlessClosing(`${this.label} got an error packet: ${describe(packet)}`);
      return;
    }
    if (packet.type !== 'event') return;
    const entry = { name: packet.name, args: packet.args || [], ack: packet.ack, at: Date.now() };
    const i = this.waiters.findIndex((w) => w.name === entry.name);
    if (i >= 0) {
      const [w] = this.waiters.splice(i, 1);
      w.resolve(entry);
    } else {
      this.unread.push(entry);
    }
  }

  // The next unread event `name` (its args in `.args`), waiting up to `ms`
  // (STEP_MS if not given; 0: it must have arrived already).
  take(name, ms) {
    const i = this.unread.findIndex((e) => e.name === name);
    if (i >= 0) return Promise.resolve(this.unread.splice(i, 1)[0]);
    const within = ms === undefined ? STEP_MS : ms;
    if (within === 0) return Promise.reject(new Error(`${this.label}: no "${name}" event received`));
    return new Promise((resolve, reject) => {
      const waiter = { name };
      const t = later(within, () => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        reject(new Error(`${this.label}: no "${name}" event within ${within} ms`));
      });
      waiter.resolve = (e) => {
        cancel(t);
        resolve(e);
      };
      this.waiters.push(waiter);
    });
  }

  // Fails if an event `name` is unread now or arrives within `ms`.
  async none(name, ms) {
    await sleep(ms === undefined ? QUIET_MS : ms);
    const got = this.unread.filter((e) => e.name === name);
    if (got.length) {
      throw new Error(`${this.label}: unexpected "${name}" event(s): ${describe(got.map((e) => e.args))}`);
    }
  }

  // Fails if any event other than `allowed` names is still unread.
  drained(allowed) {
    const extra = this.unread.filter((e) => !(allowed || []).includes(e.name));
    if (extra.length) {
      throw new Error(`${this.label}: unexpected events ${describe(extra.map((e) => [e.name].concat(e.args)))}`);
    }
  }
}

// ---------------------------------------------------------------------------
// Clients.

function connectRoot(label) {
  // The 0.9 client merges `transports` element-wise into this global array, so
  // the array itself is replaced to really force one transport.
  io.transports = [transport];
  const root = io.connect(baseUrl, {
    transports: [transport],
    'force new connection': true,
    'try multiple transports': false,
    reconnect: false,
  });
  root.socket.label = label;
  sockets.push(root.socket);
  return root;
}

function watch(ns, label, client) {
  ns.inbox = new Inbox(label);
  ns.on('connect_failed', (e) => failUnlessClosing(`${label} connect_failed: ${describe(e)}`));
  ns.on('disconnect', (r) => {
    if (!client.leaving) failUnlessClosing(`${label} unexpected disconnect (${describe(r)})`);
  });
}

function connected(ns, label) {
  return new Promise((resolve, reject) => {
    const t = later(STEP_MS, () => reject(new Error(`${label}: not connected within ${STEP_MS} ms`)));
    ns.on('connect', () => {
      cancel(t);
      resolve();
    });
  });
}

// A new connection named `label`, joined to each of `namespaces` ('/chat',
// '/admin'). Resolves once "/" and every namespace is connected. The returned
// object has `.root`, `.chat` and `.admin` (those asked for).
async function client(label, namespaces) {
  const c = { label, leaving: false };
  c.root = connectRoot(label);
  watch(c.root, `${label} /`, c);
  const ups = [connected(c.root, `${label} /`)];
  for (const name of namespaces) {
    // With 'force new connection' the Socket is not cached, so io.connect(base
    // + name) would open another connection; Socket#of shares this one.
    const ns = c.root.socket.of(name);
    watch(ns, `${label} ${name}`, c);
    ups.push(connected(ns, `${label} ${name}`));
    c[name.slice(1)] = ns;
  }
  await Promise.all(ups);
  step(`${label} connected ${namespaces.join(' ')}`);
  return c;
}

// Emits `name` with `args` and an ack callback; resolves with the ack's args.
function emitWithAck(ns, name, args, ms) {
  return new Promise((resolve, reject) => {
    const t = later(ms || STEP_MS, () => reject(new Error(`${ns.inbox.label}: no ack for "${name}" within ${ms || STEP_MS} ms`)));
    ns.emit.apply(ns, [name].concat(args, [function () {
      cancel(t);
      resolve(Array.prototype.slice.call(arguments));
    }]));
  });
}

// `name(args)` must be acked with exactly the one value `value`, with no
// `error` event.
async function call(ns, name, args, value) {
  const what = `${ns.inbox.label} ${name}(${describe(args).slice(1, -1)})`;
  const got = await emitWithAck(ns, name, args);
  expectEqual(got, [value], `ack of ${what}`);
  ns.inbox.drained(['announcement', 'nicknames', 'user_joined', 'user_left', 'user_renamed', 'msg_to_room', 'notice', 'ping']);
  step(`${what} -> ${describe(value)}`);
}

// `name(args)` must be refused: an `error` event [code, text] and a null ack.
// `text` is checked when given, else it must be a non-empty string.
async function refused(ns, name, args, code, text) {
  const what = `${ns.inbox.label} ${name}(${describe(args).slice(1, -1)})`;
  const error = ns.inbox.take('error');
  const ack = emitWithAck(ns, name, args);
  const [e, got] = await Promise.all([error, ack]);
  expectEqual(e.args[0], code, `"error" event code after ${what}`);
  if (text !== undefined) {
    expectEqual(e.args, [code, text], `"error" event args after ${what}`);
  } else if (e.args.length !== 2 || typeof e.args[1] !== 'string' || !e.args[1]) {
    throw new Error(`"error" event after ${what}: expected [${describe(code)}, <details>], got ${describe(e.args)}`);
  }
  expectEqual(got, [null], `ack of ${what}`);
  // Exactly one error event per refused call.
  await ns.inbox.none('error', 50);
  step(`${what} -> ${e.args[0]} ${describe(e.args[1])} + null ack`);
}

function denied(ns, name, args) {
  return refused(ns, name, args, 'method_access_denied', `You do not have access to method "${name}"`);
}

// Answers the server's `ping` events on `ns` with `answer(nonce)`, delayed by
// `c.delayMs` (0 unless given; may be changed later); records the args of
// every `ping` in `c.pings`.
function answerPings(c, ns, answer, delayMs) {
  c.pings = [];
  c.delayMs = delayMs || 0;
  ns.on('ping', function () {
    const args = Array.prototype.slice.call(arguments);
    const ack = args.pop();
    if (typeof ack !== 'function') {
      fail(`${ns.inbox.label}: "ping" did not ask for an ack (args ${describe(args.concat([ack]))})`);
      return;
    }
    c.pings.push(args);
    const reply = () => ack(answer(args[0]));
    if (c.delayMs) later(c.delayMs, reply);
    else reply();
  });
}

// The next `announcement` and presence change (`event` with `args`) on `ns`, checked.
async function expectPresence(ns, announcement, event, args) {
  const [a, n] = await Promise.all([ns.inbox.take('announcement'), ns.inbox.take(event)]);
  expectEqual(a.args, [announcement], `${ns.inbox.label} "announcement" args`);
  expectEqual(n.args, args, `${ns.inbox.label} "${event}" args`);
}

// The list a socket gets once, when it connects to /chat.
async function expectList(ns, list) {
  expectEqual((await ns.inbox.take('nicknames')).args, [list], `${ns.inbox.label} first "nicknames" args`);
}

// Ends `c`'s connection with a `0::` packet. The 0.9 client holds packets back while a POST
// is in flight and drops them when it disconnects, so a leave right after a call over
// xhr-polling would say nothing (the server would notice at the close timeout): wait until
// no POST is in flight first.
async function leave(c) {
  const s = c.root.socket;
  const deadline = Date.now() + STEP_MS;
  while (s.doBuffer && Date.now() < deadline) await sleep(10);
  c.leaving = true;
  stopSocket(s);
}

// ---------------------------------------------------------------------------
// Scenarios.

const scenarios = {
  async 'typed-acks'() {
    const a = await client('A', ['/chat']);
    let answer = (n) => n;
    answerPings(a, a.chat, (n) => answer(n));
    // (bool, String) comes back as ONE value: a JSON array.
    await call(a.chat, 'nickname', ['ada'], [true, 'ada']);
    await call(a.chat, 'nickname', [''], [false, 'a name cannot be empty']);
    await call(a.chat, 'nickname', ['x'.repeat(33)], [false, 'a name has at most 32 characters']);
    // Leading/trailing blanks are trimmed; asking again for one's own name is fine.
    await call(a.chat, 'nickname', ['  ada '], [true, 'ada']);
    // Another socket cannot have it.
    const b = await client('B', ['/chat']);
    await call(b.chat, 'nickname', ['ada'], [false, '“ada” is taken']);
    await call(a.chat, 'join', ['r1'], true);
    // check -> server emits `ping(7)` asking for an ack -> we ack 7 -> 'ok'.
    await call(a.chat, 'check', [7], 'ok');
    expectEqual(a.pings, [[7]], '"ping" args seen by A');
    answer = (n) => n + 1;
    await call(a.chat, 'check', [8], 'wrong answer 9');
    expectEqual(a.pings, [[7], [8]], '"ping" args seen by A');
  },

  async 'wrong-args'() {
    const a = await client('A', ['/chat']);
    await refused(a.chat, 'join', [], 'invalid_method_args');
    await refused(a.chat, 'join', ['a', 'b'], 'invalid_method_args');
    await refused(a.chat, 'nickname', [42], 'invalid_method_args');
    await refused(a.chat, 'nope', [], 'no_such_method');
    await refused(a.chat, 'nope', ['with', 'args'], 'no_such_method');
    // `check` takes a u32.
    await refused(a.chat, 'check', [-1], 'invalid_method_args');
    await call(a.chat, 'join', ['x'], true);
    // The wrong calls had no side effects: no nickname was taken.
    await call(a.chat, 'nickname', ['42'], [true, '42']);
  },

  async acl() {
    const a = await client('A', ['/chat', '/admin']);
    await denied(a.chat, 'user message', ['too early']);
    await call(a.chat, 'nickname', ['ada'], [true, 'ada']);
    // Allowed now, but there is no room to talk to yet.
    await call(a.chat, 'user message', ['no room'], false);
    await call(a.chat, 'join', ['r1'], true);
    await call(a.chat, 'user message', ['hello'], true);

    await denied(a.admin, 'broadcast', ['x']);
    await denied(a.admin, 'logout', []);
    await call(a.admin, 'login', ['wrong'], false);
    await denied(a.admin, 'broadcast', ['x']);
    await call(a.admin, 'login', [PASSWORD], true);
    await call(a.admin, 'broadcast', ['x'], true);
    await call(a.admin, 'logout', [], true);
    await denied(a.admin, 'broadcast', ['x']);

    // The ACL is per socket and per namespace: another connection's /admin
    // is still locked, and A's /chat stays unlocked throughout.
    const b = await client('B', ['/admin']);
    await denied(b.admin, 'broadcast', ['x']);
    await call(a.chat, 'user message', ['still here'], true);
  },

  async rooms() {
    const a = await client('A', ['/chat']);
    const b = await client('B', ['/chat']);
    const c = await client('C', ['/chat']);
    // D stays in r2 to show that C really left it.
    const d = await client('D', ['/chat']);
    const all = [a, b, c, d];
    for (const [x, nick] of [[a, 'ann'], [b, 'bob'], [c, 'cy'], [d, 'dee']]) {
      await call(x.chat, 'nickname', [nick], [true, nick]);
    }
    await call(a.chat, 'join', ['r1'], true);
    await call(b.chat, 'join', ['r1'], true);
    await call(c.chat, 'join', ['r2'], true);
    await call(d.chat, 'join', ['r2'], true);

    await call(a.chat, 'user message', ['hello r1'], true);
    expectLine((await b.chat.inbox.take('msg_to_room')).args, 'ann', 'hello r1', 'r1', 'B "msg_to_room"');
    await Promise.all([a, c, d].map((x) => x.chat.inbox.none('msg_to_room')));
    step('r1: B got it; A, C, D did not');

    await call(c.chat, 'join', ['r1'], true);
    await call(b.chat, 'user message', ['hello again'], true);
    const got = await Promise.all([a, c].map((x) => x.chat.inbox.take('msg_to_room')));
    for (const [x, e] of [[a, got[0]], [c, got[1]]]) {
      expectLine(e.args, 'bob', 'hello again', 'r1', `${x.label} "msg_to_room"`);
    }
    await Promise.all([b, d].map((x) => x.chat.inbox.none('msg_to_room')));
    step('r1 after C moved: A and C got it; B and D did not');

    await call(d.chat, 'user message', ['anyone in r2?'], true);
    await Promise.all(all.map((x) => x.chat.inbox.none('msg_to_room')));
    step('r2 after C left: nobody else got it');
  },

  async broadcast() {
    const a = await client('A', ['/chat', '/admin']);
    const b = await client('B', ['/chat', '/admin']);
    const c = await client('C', ['/chat']);
    // D is on /admin but never logs in: the ACL gates what it sends, rooms what it gets.
    const d = await client('D', ['/admin']);
    for (const x of [a, b, c]) await expectList(x.chat, []);
    // Presence changes go to every /chat socket, with or without a nickname.
    await call(a.chat, 'nickname', ['ann'], [true, 'ann']);
    await Promise.all([a, b, c].map((x) => expectPresence(x.chat, 'ann has connected', 'user_joined', ['ann'])));
    await call(b.chat, 'nickname', ['bob'], [true, 'bob']);
    await Promise.all([a, b, c].map((x) => expectPresence(x.chat, 'bob has connected', 'user_joined', ['bob'])));
    await call(c.chat, 'nickname', ['cy'], [true, 'cy']);
    await Promise.all([a, b, c].map((x) => expectPresence(x.chat, 'cy has connected', 'user_joined', ['cy'])));
    for (const x of [a, b, c]) x.chat.inbox.drained();
    step('all three saw "cy has connected" and user_joined(cy); no extra events');

    // A newcomer gets the list once; a second nickname renames (one event, not the list).
    const e = await client('E', ['/chat']);
    await expectList(e.chat, ['ann', 'bob', 'cy']);
    await call(a.chat, 'nickname', ['anna'], [true, 'anna']);
    await Promise.all([a, b, c, e].map((x) => expectPresence(x.chat, 'ann is now anna', 'user_renamed', ['ann', 'anna'])));
    await call(e.chat, 'nickname', ['ann'], [true, 'ann']);
    await Promise.all([a, b, c, e].map((x) => expectPresence(x.chat, 'ann has connected', 'user_joined', ['ann'])));
    await leave(e);
    await Promise.all([a, b, c].map((x) => expectPresence(x.chat, 'ann has disconnected', 'user_left', ['ann'])));
    for (const x of [a, b, c]) x.chat.inbox.drained();
    step('E got [ann, bob, cy] once; ann -> anna freed ann for E; E left');

    // /admin: two logged-in admins.
    await call(a.admin, 'login', [PASSWORD], true);
    await call(b.admin, 'login', [PASSWORD], true);
    await call(a.admin, 'broadcast', ['hi'], true);
    expectEqual((await b.admin.inbox.take('notice')).args, ['hi'], 'B "notice" args');
    await a.admin.inbox.none('notice');
    await d.admin.inbox.none('notice');
    step('B got notice("hi"); A (the sender) and D (not logged in) did not');

    // B (in the middle of the list) closes its whole connection.
    await leave(b);
    await Promise.all([a, c].map((x) => expectPresence(x.chat, 'bob has disconnected', 'user_left', ['bob'])));
    step('A and C saw "bob has disconnected" and user_left(bob)');
    // C leaves /chat only (`0::/chat`); its connection stays up.
    c.leaving = true;
    c.chat.disconnect();
    await expectPresence(a.chat, 'cy has disconnected', 'user_left', ['cy']);
    step('A saw "cy has disconnected" and user_left(cy)');
    for (const x of [a, b, c]) x.chat.inbox.drained();
    await a.chat.inbox.none('announcement');
    await a.chat.inbox.none('nicknames');
    c.leaving = false;
    if (!c.root.socket.connected) throw new Error('C lost its connection when leaving /chat');
  },

  async 'ack-timeout'() {
    // X never answers `ping`, Y answers at once, Z answers too late.
    const [x, y, z] = await Promise.all(['X', 'Y', 'Z'].map((l) => client(l, ['/chat'])));
    answerPings(y, y.chat, (n) => n);
    answerPings(z, z.chat, (n) => n, 1600);
    const started = Date.now();
    const timed = (c, n) => emitWithAck(c.chat, 'check', [n]).then((args) => ({ args, ms: Date.now() - started }));
    const [rx, ry, rz] = await Promise.all([timed(x, 5), timed(y, 6), timed(z, 7)]);

    const e = await x.chat.inbox.take('ping', 0);
    expectEqual(e.args, [5], 'X "ping" args');
    if (e.ack !== 'data') throw new Error(`X "ping" did not ask for a data ack (ack ${describe(e.ack)})`);
    if (rx.args.length !== 1 || typeof rx.args[0] !== 'string' || !/timed out/.test(rx.args[0])) {
      throw new Error(`ack of X check(5): expected one string saying it timed out, got ${describe(rx.args)}`);
    }
    if (rx.ms < 800 || rx.ms > 3000) throw new Error(`ack of X check(5) came after ${rx.ms} ms, expected 800..3000`);
    step(`X check(5) -> ${describe(rx.args[0])} after ${rx.ms} ms`);

    expectEqual(ry.args, ['ok'], 'ack of Y check(6)');
    // Well before X's 1 s timeout: Y's answer must not wait for X's.
    if (ry.ms > 900) throw new Error(`ack of Y check(6) came after ${ry.ms} ms: held up by X?`);
    expectEqual(y.pings, [[6]], '"ping" args seen by Y');
    step(`Y check(6) -> "ok" after ${ry.ms} ms`);

    expectEqual(rz.args, rx.args, 'ack of Z check(7) (answered after 1.6 s)');
    expectEqual(z.pings, [[7]], '"ping" args seen by Z');
    step(`Z check(7) -> ${describe(rz.args[0])}`);
    // Z's late answer goes out at 1.6 s; the connection must survive it.
    await sleep(Math.max(0, 1600 - (Date.now() - started)) + 200);
    await call(z.chat, 'join', ['z'], true);
    // The stale answer to 7 must not be taken for the answer to a later ping.
    z.delayMs = 0;
    await call(z.chat, 'check', [8], 'ok');
    expectEqual(z.pings, [[7], [8]], '"ping" args seen by Z');
  },
};

scenarios[scenario]().then(finish, (e) => fail(e && e.message ? e.message : String(e)));
