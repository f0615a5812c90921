#!/usr/bin/env node
// Real-client scenarios for the Socket.IO 0.9 protocol, driven by the stock
// socket.io-client 0.9.16 (installed under the npm alias `sio-client-09`).
//
//   node tests/node/v09/echo-client.js <scenario> <baseUrl> <transport>
//
// Prints `step ...` lines as it goes, then `ok <scenario>` (exit 0) or
// `fail <scenario>: <reason>` (exit 1). The server contract is described in
// tests/node/README.md.
'use strict';

const assert = require('node:assert');
const io = require('sio-client-09');

const SCENARIOS = ['basic', 'namespace', 'kick-namespace', 'kick', 'reconnect'];
const TRANSPORTS = ['websocket', 'xhr-polling'];

const [scenario, baseUrlArg, transport] = process.argv.slice(2);

function out(line) {
  process.stdout.write(line + '\n');
}

if (!SCENARIOS.includes(scenario) || !baseUrlArg || !TRANSPORTS.includes(transport)) {
  out(`fail ${scenario || '?'}: usage: echo-client.js <${SCENARIOS.join('|')}> <baseUrl> <${TRANSPORTS.join('|')}>`);
  process.exit(1);
}

const baseUrl = baseUrlArg.replace(/\/+$/, '');
const TIMEOUT_MS = scenario === 'reconnect' ? 30000 : 10000;
// How long to wait for any single reply once the connection is up.
const STEP_MS = scenario === 'reconnect' ? 25000 : 8000;

// ---------------------------------------------------------------------------
// Process bookkeeping: every socket we open is closed before exit, every timer
// we arm is cleared, and the process always ends through finish()/fail().

const sockets = [];
const timers = new Set();
let currentStep = 'start';
let finished = false;
// Set once we start tearing down: events our own disconnect() causes are not failures.
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

function closeAll() {
  closing = true;
  for (const s of sockets) {
    try {
      // Stop the client from scheduling a reconnect while we tear down.
      s.options.reconnect = false;
      if (s.reconnectionTimer) clearTimeout(s.reconnectionTimer);
      if (s.connected || s.connecting) s.disconnect();
      if (s.transport) s.transport.clearTimeouts();
      clearTimeout(s.heartbeatTimeoutTimer);
      clearTimeout(s.connectTimeoutTimer);
    } catch (e) {
      // Best effort: we are exiting anyway.
    }
  }
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
  // Leave politely (client sends `0::`), give a polling POST time to go out.
  closeAll();
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

// ---------------------------------------------------------------------------
// Client helpers.

function describe(v) {
  try {
    return JSON.stringify(v);
  } catch (e) {
    return String(v);
  }
}

// The client reports type 3 and type 4 packets alike as a 'message' event;
// remember each namespace's last received packet type to tell them apart.
const origOnPacket = io.SocketNamespace.prototype.onPacket;
io.SocketNamespace.prototype.onPacket = function (packet) {
  this.lastPacketType = packet.type;
  return origOnPacket.apply(this, arguments);
};

// Connects the global namespace on a brand-new Socket (one engine-level
// connection) forced onto `transport`.
function connectRoot(extra) {
  // The 0.9 client merges `transports` element-wise into this global array, so
  // the array itself must be replaced to really force one transport.
  io.transports = [transport];
  const opts = Object.assign(
    {
      transports: [transport],
      'force new connection': true,
      'try multiple transports': false,
      reconnect: false,
    },
    extra || {},
  );
  const root = io.connect(baseUrl, opts);
  sockets.push(root.socket);
  return root;
}

// Another namespace on the same connection. With 'force new connection' the
// Socket is not cached in io.sockets, so io.connect(base + '/chat') would open
// a second connection; Socket#of is what io.connect calls for a shared one.
function joinNamespace(root, name) {
  return root.socket.of(name);
}

// Resolves with the argument array of the next `event` on `emitter`.
function next(emitter, event, what, ms) {
  return new Promise((resolve, reject) => {
    const t = later(ms || STEP_MS, () => {
      emitter.removeListener(event, on);
      reject(new Error(`no ${what || event} within ${ms || STEP_MS} ms`));
    });
    function on() {
      cancel(t);
      emitter.removeListener(event, on);
      resolve(Array.prototype.slice.call(arguments));
    }
    emitter.on(event, on);
  });
}

// Emits `name` with `args` and an ack callback; resolves with the ack's args.
function emitWithAck(ns, name, args, ms) {
  return new Promise((resolve, reject) => {
    const t = later(ms || STEP_MS, () => reject(new Error(`no ack for "${name}" on "${ns.name || '/'}" within ${ms || STEP_MS} ms`)));
    ns.emit.apply(ns, [name].concat(args, [function () {
      cancel(t);
      resolve(Array.prototype.slice.call(arguments));
    }]));
  });
}

// Like fail(), for event handlers: ignored once we are closing on purpose.
function failUnlessClosing(reason) {
  if (!closing) fail(reason);
}

function failOnErrors(ns, label) {
  ns.on('error', (e) => failUnlessClosing(`${label} error event: ${describe(e)}`));
  ns.on('connect_failed', (e) => failUnlessClosing(`${label} connect_failed: ${describe(e)}`));
}

function failOnDisconnect(ns, label) {
  ns.on('disconnect', (r) => failUnlessClosing(`${label} unexpected disconnect (${describe(r)})`));
}

function expectEqual(actual, expected, what) {
  try {
    assert.deepStrictEqual(actual, expected);
  } catch (e) {
    throw new Error(`${what}: expected ${describe(expected)}, got ${describe(actual)}`);
  }
}

async function echoAck(ns, label, args) {
  const got = await emitWithAck(ns, 'echo', args);
  expectEqual(got, args, `ack of "echo" on ${label}`);
  step(`echo-ack ${label}`);
}

async function messageEcho(ns, label, text) {
  const reply = next(ns, 'message', `message echo on ${label}`);
  ns.send(text);
  const got = await reply;
  expectEqual(got, ['[echo] ' + text], `message echo on ${label}`);
  expectEqual(ns.lastPacketType, 'message', `packet type of the message echo on ${label}`);
  step(`message-echo ${label}`);
}

async function jsonEcho(ns, label, value) {
  const reply = next(ns, 'message', `json echo on ${label}`);
  ns.json.send(value);
  const got = await reply;
  expectEqual(got, [value], `json echo on ${label}`);
  expectEqual(ns.lastPacketType, 'json', `packet type of the json echo on ${label}`);
  step(`json-echo ${label}`);
}

// `ask` -> server asks `question` (data ack) -> we answer -> server emits `answer`.
async function askAnswer(ns, label, q, answer) {
  const question = next(ns, 'question', `"question" on ${label}`);
  const answered = next(ns, 'answer', `"answer" on ${label}`);
  ns.emit('ask', q);
  const qargs = await question;
  const ackFn = qargs[qargs.length - 1];
  if (typeof ackFn !== 'function') {
    throw new Error(`"question" on ${label} did not ask for an ack (args ${describe(qargs)})`);
  }
  expectEqual(qargs.slice(0, -1), [q], `"question" args on ${label}`);
  step(`question ${label}`);
  ackFn(answer);
  const got = await answered;
  expectEqual(got, [answer], `"answer" args on ${label}`);
  step(`answer ${label}`);
}

// Joins /chat on the root's connection and attaches its listeners at once, so
// it may be called before or after "/" is connected. `ready` resolves once
// `1::/chat` came back and the `welcome` event arrived.
function joinChat(root) {
  const chat = joinNamespace(root, '/chat');
  failOnErrors(chat, '/chat');
  const connected = next(chat, 'connect', '/chat connect');
  const welcome = next(chat, 'welcome', '/chat "welcome"');
  const ready = (async () => {
    await connected;
    step('connected /chat');
    expectEqual(await welcome, ['/chat'], '"welcome" args');
    step('welcome /chat');
    return chat;
  })();
  return { chat, ready };
}

// ---------------------------------------------------------------------------
// Scenarios.

const scenarios = {
  async basic() {
    const root = connectRoot();
    failOnErrors(root, '/');
    failOnDisconnect(root, '/');
    await next(root, 'connect', 'connect');
    step('connected');
    await messageEcho(root, '/', 'hello');
    await jsonEcho(root, '/', { a: 1, b: [true, null] });
    await echoAck(root, '/', ['x', 2, { k: true }]);
    await askAnswer(root, '/', 'q?', 'yes');
    await messageEcho(root, '/', 'héllo € 😀');
    // Over 16 KiB: sent back in WebSocket fragments, cut inside 2-byte characters.
    await messageEcho(root, '/', 'é'.repeat(20000) + 'end');
  },

  async namespace() {
    const root = connectRoot();
    failOnErrors(root, '/');
    failOnDisconnect(root, '/');
    const rootConnected = next(root, 'connect', 'connect');
    // Joined before "/" is up: the client buffers `1::/chat` and sends it
    // right after `1::` arrives (the usual io.connect(base + '/chat') pattern).
    const { chat, ready } = joinChat(root);
    failOnDisconnect(chat, '/chat');
    await rootConnected;
    step('connected');
    await ready;
    await echoAck(chat, '/chat', ['x', 2, { k: true }]);
    await messageEcho(chat, '/chat', 'hi chat');
    await jsonEcho(chat, '/chat', { ns: '/chat', n: [1, 2.5, 'three'] });
    await askAnswer(chat, '/chat', 'chat?', 'chat-yes');
    await echoAck(root, '/', ['root', { still: 'works' }]);
    // Both namespaces number their acks independently (here both use id 2
    // and then 3 on "/"): in flight together, each ack must come back on its
    // own endpoint. Over xhr-polling the client sends the first packet alone
    // and the other two in one framed POST body.
    const [a, b, c] = await Promise.all([
      emitWithAck(root, 'echo', ['from /']),
      emitWithAck(chat, 'echo', ['from /chat']),
      emitWithAck(root, 'echo', ['from / again']),
    ]);
    expectEqual(a, ['from /'], 'parallel ack on /');
    expectEqual(b, ['from /chat'], 'parallel ack on /chat');
    expectEqual(c, ['from / again'], 'second parallel ack on /');
    step('parallel acks');
  },

  async 'kick-namespace'() {
    const root = connectRoot();
    failOnErrors(root, '/');
    root.on('disconnect', (r) => failUnlessClosing(`"/" saw disconnect (${describe(r)}) after kick on /chat`));
    await next(root, 'connect', 'connect');
    step('connected');
    // Joined after "/" is up: `1::/chat` goes out on the live transport.
    const chat = await joinChat(root).ready;
    const gone = next(chat, 'disconnect', '/chat disconnect');
    chat.emit('kick');
    const [reason] = await gone;
    step(`disconnected /chat ${reason}`);
    if (!root.socket.connected) throw new Error('the connection went down with /chat');
    await echoAck(root, '/', ['after', 'kick']);
  },

  async kick() {
    // Reconnect is left on (with a short delay) so that a server that merely
    // drops the transport instead of sending `0::` shows up as a reconnect.
    const root = connectRoot({ reconnect: true, 'reconnection delay': 100 });
    failOnErrors(root, '/');
    await next(root, 'connect', 'connect');
    step('connected');
    let again = [];
    const gone = next(root, 'disconnect', 'disconnect');
    root.emit('kick');
    const [reason] = await gone;
    step(`disconnected ${reason}`);
    // Only `0::` from the server gives reason "booted" (no auto-reconnect).
    expectEqual(reason, 'booted', 'disconnect reason');
    for (const ev of ['connect', 'reconnect', 'reconnecting', 'connecting']) {
      root.on(ev, () => again.push(ev));
    }
    await sleep(1500);
    if (again.length) throw new Error(`client tried to come back after kick: ${again.join(', ')}`);
    step('no reconnect');
  },

  async reconnect() {
    const root = connectRoot({
      reconnect: true,
      'reconnection delay': 100,
      // Caps the exponential back-off (100, 200, 400, 800, 1600, 1600, ...).
      'reconnection limit': 1000,
      'max reconnection attempts': 50,
    });
    root.on('connect_failed', (e) => failUnlessClosing(`connect_failed: ${describe(e)}`));
    root.on('reconnect_failed', () => failUnlessClosing('reconnect_failed'));
    root.on('error', (e) => out(`step error-event ${describe(e)}`));
    await next(root, 'connect', 'connect');
    step('connected');
    await echoAck(root, '/', ['before', 1]);
    const firstSid = root.socket.sessionid;
    const back = new Promise((resolve) => {
      let done = false;
      const once = (how) => () => {
        if (done) return;
        done = true;
        resolve(how);
      };
      root.on('reconnect', once('reconnect'));
      root.on('connect', once('connect'));
    });
    root.on('disconnect', (r) => {
      if (!closing) step(`disconnected ${r}`);
    });
    out('ready');
    currentStep = 'waiting for reconnect';
    const how = await back;
    step(`reconnected via ${how}`);
    if (root.socket.sessionid === firstSid) {
      throw new Error(`reconnected with the same sid ${firstSid}; expected a new handshake`);
    }
    await echoAck(root, '/', ['after', 2]);
  },
};

scenarios[scenario]().then(finish, (e) => fail(e && e.message ? e.message : String(e)));
