#!/usr/bin/env node
// Real-client scenarios for Socket.IO 4 (protocol 5 over Engine.IO 4), driven by the stock
// socket.io-client 4.8.4 under Node.
//
//   node tests/node/v4/echo-client.js <scenario> <baseUrl> <mode>
//
// mode: `polling` (transports: ['polling']), `websocket` (transports: ['websocket']) or
// `upgrade` (the default transports: polling first, then the client must really upgrade
// to websocket; checked on every engine connection the scenario opens).
//
// Prints `step ...` lines as it goes, then `ok <scenario>` (exit 0) or
// `fail <scenario>: <reason>` (exit 1). The `reconnect` scenario also prints `ready` when
// the server may be killed and restarted. V4_TRACE=1 adds `trace ...` lines with every
// Engine.IO packet each way (binary ones as hex). Time limit: 10 s per scenario, 30 s for
// `reconnect` (counted from start, including the restart).
//
// Scenarios (the server contract is the echo example's, see tests/node/README.md; over
// Socket.IO 4 `socket.send(x)` is the event `message`):
//
//   basic       `/`: `echo` acked (a callback sees every ack argument, emitWithAck only the
//               first, one array argument comes back whole, timeout().emit gets (null, ...));
//               `send` of a string and of JSON; `ask` -> `question` (acked with 3 values) ->
//               `answer`; a `send` with non-ASCII, quotes, backslash, U+2028/U+2029
//   auth        `/secure` alone with auth {token: 's3cret'}: connects, echoes; a wrong token
//               and no auth at all: connect_error 'bad token' whose err.data says which
//               ({reason: 'wrong token'} / {reason: 'no token'}), no connect, no retry
//   namespaces  `/` and `/chat` on one Manager (one engine connection, two socket ids);
//               `welcome` ['/chat']; echoes and ask/answer on /chat; 3 acks in flight on both
//               (same ack ids); `/nope` -> connect_error 'Invalid namespace' (no err.data),
//               both still work
//   kick        `kick` on /chat -> /chat gets disconnect 'io server disconnect' and does not
//               come back (reconnection is on); `/` still echoes; /chat joined again by hand
//               on the same connection (welcome again)
//   binary      `echo` of a Buffer, then of an object holding Buffers (member and array item):
//               the ack's arguments are Buffers with the same bytes; then a 200 kB Buffer
//               and a 100 kB string (sent back in fragments over websocket)
//   reconnect   echo, then `ready`; the harness restarts the server on the same port; the
//               client must reconnect on its own (new engine sid, new socket id) and echo
//   many        20 callback acks on `/` and 20 emitWithAck on `/chat` in flight at once
'use strict';

const assert = require('node:assert');
const { Manager } = require('socket.io-client');

const SCENARIOS = ['basic', 'auth', 'namespaces', 'kick', 'binary', 'reconnect', 'many'];
const MODES = ['polling', 'websocket', 'upgrade'];

const [scenario, baseUrlArg, mode] = process.argv.slice(2);

function out(line) {
  process.stdout.write(line + '\n');
}

if (!SCENARIOS.includes(scenario) || !baseUrlArg || !MODES.includes(mode)) {
  out(`fail ${scenario || '?'}: usage: echo-client.js <${SCENARIOS.join('|')}> <baseUrl> <${MODES.join('|')}>`);
  process.exit(1);
}

const baseUrl = baseUrlArg.replace(/\/+$/, '');
const TRACE = process.env.V4_TRACE === '1';
const TIMEOUT_MS = scenario === 'reconnect' ? 30000 : 10000;
// How long to wait for any single reply once the connection is up.
const STEP_MS = scenario === 'reconnect' ? 25000 : 8000;
// How long the engine may take to finish the polling -> websocket upgrade.
const UPGRADE_MS = 5000;

// ---------------------------------------------------------------------------
// Process bookkeeping: every manager we open is closed before exit, every timer we arm is
// cleared, and the process always ends through finish()/fail().

const managers = [];
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

function trace(line) {
  if (TRACE) out(`trace ${line}`);
}

function closeAll() {
  closing = true;
  for (const m of managers) {
    try {
      m.reconnection(false);
      for (const s of Object.values(m.nsps)) s.disconnect();
      if (m.engine) m.engine.close();
    } catch (e) {
      // Best effort: we are exiting anyway.
    }
  }
}

function clearTimers() {
  for (const t of timers) clearTimeout(t);
  timers.clear();
}

function fail(reason) {
  if (finished) return;
  finished = true;
  out(`fail ${scenario}: ${String(reason).replace(/\s*\n\s*/g, ' | ')}`);
  clearTimers();
  closeAll();
  process.exit(1);
}

async function finish() {
  if (finished) return;
  // Leave politely (the client sends `41` for each namespace, then `1`), and give a
  // polling POST time to go out.
  closeAll();
  await sleep(200);
  if (finished) return;
  finished = true;
  clearTimers();
  out(`ok ${scenario}`);
  process.exit(0);
}

later(TIMEOUT_MS, () => fail(`timeout after ${TIMEOUT_MS} ms (at step "${currentStep}")`));
process.on('uncaughtException', (e) => fail(`uncaught exception: ${e && e.stack ? e.stack : e}`));
process.on('unhandledRejection', (e) => fail(`unhandled rejection: ${e && e.stack ? e.stack : e}`));

// ---------------------------------------------------------------------------
// Helpers.

function describe(v) {
  try {
    return JSON.stringify(v, (_, x) => {
      if (x && x.type === 'Buffer' && Array.isArray(x.data)) return `<Buffer ${Buffer.from(x.data).toString('hex')}>`;
      if (x instanceof ArrayBuffer) return `<ArrayBuffer ${Buffer.from(x).toString('hex')}>`;
      return x;
    });
  } catch (e) {
    return String(v);
  }
}

function expectEqual(actual, expected, what) {
  try {
    assert.deepStrictEqual(actual, expected);
  } catch (e) {
    throw new Error(`${what}: expected ${describe(expected)}, got ${describe(actual)}`);
  }
}

function traceData(data) {
  if (typeof data === 'string') return describe(data);
  if (data === undefined) return '';
  return `<binary ${shortHex(Buffer.from(data))}>`;
}

// Remembers, for each engine connection the manager opens, which transport it started on
// and whether it upgraded; traces its packets when asked.
function watchEngine(manager, label) {
  manager.engines = [];
  manager.on('open', () => {
    const engine = manager.engine;
    const record = { id: engine.id, first: engine.transport.name, upgradedTo: null };
    manager.engines.push(record);
    trace(`${label} engine open ${engine.id} on ${record.first}`);
    engine.on('upgrade', (t) => {
      record.upgradedTo = t.name;
      trace(`${label} engine upgraded to ${t.name}`);
    });
    engine.on('upgradeError', (e) => trace(`${label} upgrade error ${e && e.message}`));
    if (TRACE) {
      engine.on('packet', (p) => trace(`${label} < ${p.type} ${traceData(p.data)}`));
      engine.on('packetCreate', (p) => trace(`${label} > ${p.type} ${traceData(p.data)}`));
    }
  });
}

// A brand-new Manager (one engine connection) in the mode under test.
function newManager(label, extra) {
  const opts = Object.assign({ forceNew: true, reconnection: false, timeout: STEP_MS }, extra || {});
  if (mode !== 'upgrade') opts.transports = [mode];
  const manager = new Manager(baseUrl, opts);
  managers.push(manager);
  watchEngine(manager, label || 'engine');
  return manager;
}

// Checks the transport of the manager's current engine connection: the forced one, or for
// `upgrade`, that it began on polling and moved to websocket (waits for the upgrade).
async function checkTransport(manager, label) {
  const engine = manager.engine;
  const record = manager.engines[manager.engines.length - 1];
  if (!engine || !record || record.id !== engine.id) {
    throw new Error(`${label}: no open engine connection to check`);
  }
  if (mode !== 'upgrade') {
    expectEqual(engine.transport.name, mode, `transport of ${label}`);
    step(`transport ${mode} ${label}`);
    return;
  }
  expectEqual(record.first, 'polling', `first transport of ${label}`);
  if (!record.upgradedTo) {
    await new Promise((resolve, reject) => {
      const t = later(UPGRADE_MS, () => {
        engine.off('upgrade', done);
        reject(new Error(`${label}: no upgrade to websocket within ${UPGRADE_MS} ms (still on ${engine.transport.name})`));
      });
      function done() {
        cancel(t);
        engine.off('upgrade', done);
        resolve();
      }
      engine.on('upgrade', done);
    });
  }
  expectEqual(record.upgradedTo, 'websocket', `upgrade of ${label}`);
  expectEqual(engine.transport.name, 'websocket', `transport of ${label} after the upgrade`);
  step(`transport polling->websocket ${label}`);
}

// Resolves with the argument array of the next `event` on `emitter`.
function next(emitter, event, what, ms) {
  return new Promise((resolve, reject) => {
    const t = later(ms || STEP_MS, () => {
      emitter.off(event, on);
      reject(new Error(`no ${what || event} within ${ms || STEP_MS} ms`));
    });
    function on(...args) {
      cancel(t);
      emitter.off(event, on);
      resolve(args);
    }
    emitter.on(event, on);
  });
}

// Emits `name` with `args` and an ack callback; resolves with all the ack's arguments.
function emitWithCallback(socket, name, args, ms) {
  return new Promise((resolve, reject) => {
    const t = later(ms || STEP_MS, () =>
      reject(new Error(`no ack for "${name}" on "${socket.nsp}" within ${ms || STEP_MS} ms`)),
    );
    socket.emit(name, ...args, (...acked) => {
      cancel(t);
      resolve(acked);
    });
  });
}

// The client's own emitWithAck (which resolves with the first ack argument), bounded.
function emitWithAck(socket, name, args, ms) {
  return socket.timeout(ms || STEP_MS).emitWithAck(name, ...args);
}

// Like fail(), for event handlers: ignored once we are closing on purpose.
function failUnlessClosing(reason) {
  if (!closing) fail(reason);
}

function failOnErrors(socket, label) {
  socket.on('connect_error', (e) => failUnlessClosing(`${label} connect_error: ${e && e.message}`));
}

function failOnDisconnect(socket, label) {
  socket.on('disconnect', (r) => failUnlessClosing(`${label} unexpected disconnect (${describe(r)})`));
}

// Resolves once `socket` (from manager.socket(), which starts connecting at once) is
// connected.
async function connected(socket, label) {
  if (!socket.connected) await next(socket, 'connect', `connect on ${label}`);
  if (!socket.id) throw new Error(`${label}: connected without an id`);
  step(`connected ${label}`);
}

// `echo` three ways: the callback sees every ack argument, emitWithAck only the first, and
// one array argument comes back whole through emitWithAck.
async function echoAck(socket, label, args) {
  expectEqual(await emitWithCallback(socket, 'echo', args), args, `ack of "echo" on ${label} (callback)`);
  expectEqual(await emitWithAck(socket, 'echo', args), args[0], `emitWithAck of "echo" on ${label}`);
  expectEqual(await emitWithAck(socket, 'echo', [args]), args, `emitWithAck of "echo" [array] on ${label}`);
  step(`echo-ack ${label}`);
}

// `socket.send(x)` is the event `message`; the server answers `message` with "[echo] x" for
// a string and the value itself otherwise.
async function messageEcho(socket, label, value) {
  const reply = next(socket, 'message', `message echo on ${label}`);
  socket.send(value);
  const expected = typeof value === 'string' ? '[echo] ' + value : value;
  expectEqual(await reply, [expected], `message echo of ${describe(value)} on ${label}`);
  step(`message-echo ${label}`);
}

// `ask` -> the server emits `question` asking for an ack -> we ack with `answer` -> the
// server emits `answer` with the ack's arguments.
async function askAnswer(socket, label, q, answer) {
  const question = next(socket, 'question', `"question" on ${label}`);
  const answered = next(socket, 'answer', `"answer" on ${label}`);
  socket.emit('ask', q);
  const qargs = await question;
  const ackFn = qargs[qargs.length - 1];
  if (typeof ackFn !== 'function') {
    throw new Error(`"question" on ${label} did not ask for an ack (args ${describe(qargs)})`);
  }
  expectEqual(qargs.slice(0, -1), [q], `"question" args on ${label}`);
  step(`question ${label}`);
  ackFn(...answer);
  expectEqual(await answered, answer, `"answer" args on ${label}`);
  step(`answer ${label}`);
}

// The connect_error a namespace refusal gives, with its `data` (the refusal's data field,
// `undefined` when the server sent none); also checks the socket does not connect (or retry)
// afterwards.
async function refused(socket, label, message, data) {
  const [err] = await next(socket, 'connect_error', `connect_error on ${label}`);
  expectEqual(err && err.message, message, `connect_error message on ${label}`);
  expectEqual(err.data, data, `connect_error data on ${label}`);
  step(`refused ${label} ${describe(err.message)} ${describe(err.data)}`);
  const after = [];
  socket.on('connect', () => after.push('connect'));
  socket.on('connect_error', (e) => after.push(`connect_error ${e && e.message}`));
  await sleep(500);
  if (socket.connected || after.length) {
    throw new Error(`${label} did not stay refused: connected=${socket.connected}, then ${after.join(', ')}`);
  }
  if (socket.active) throw new Error(`${label} is still active (it would retry) after the refusal`);
}

// Hex of the first 48 bytes, with the length when there are more.
function shortHex(bytes) {
  const hex = bytes.subarray(0, 48).toString('hex');
  return bytes.length > 48 ? `${hex}… (${bytes.length} bytes)` : hex;
}

function sameBytes(actual, expected, what) {
  if (!Buffer.isBuffer(actual)) {
    throw new Error(`${what}: expected a Buffer of ${shortHex(expected)}, got ${describe(actual)}`);
  }
  if (!actual.equals(expected)) {
    throw new Error(`${what}: expected bytes ${shortHex(expected)}, got ${shortHex(actual)}`);
  }
}

// ---------------------------------------------------------------------------
// Scenarios.

const scenarios = {
  async basic() {
    const manager = newManager();
    const root = manager.socket('/');
    failOnErrors(root, '/');
    failOnDisconnect(root, '/');
    await connected(root, '/');
    await checkTransport(manager, '/');
    await echoAck(root, '/', ['x', 1, { k: true }]);
    // The client's own timeout wrapper: error first, then every ack argument.
    const viaTimeout = await new Promise((resolve) =>
      root.timeout(STEP_MS).emit('echo', 'y', null, [2.5], (err, ...acked) => resolve([err, acked])),
    );
    expectEqual(viaTimeout, [null, ['y', null, [2.5]]], 'timeout().emit ack of "echo"');
    step('echo-ack timeout()');
    await messageEcho(root, '/', 'hello');
    await messageEcho(root, '/', { a: 1, b: [true, null] });
    await askAnswer(root, '/', 'q?', ['yes', 2, { ok: true }]);
    await messageEcho(root, '/', 'héllo € 😀 "q" \\ \u2028\u2029');
  },

  async auth() {
    const good = newManager('good');
    const secure = good.socket('/secure', { auth: { token: 's3cret' } });
    failOnErrors(secure, '/secure');
    failOnDisconnect(secure, '/secure');
    await connected(secure, '/secure (s3cret)');
    await checkTransport(good, '/secure');
    await echoAck(secure, '/secure', ['secret', { n: 1 }]);
    await messageEcho(secure, '/secure', 'psst');

    const bad = newManager('bad');
    const wrong = bad.socket('/secure', { auth: { token: 'wrong' } });
    wrong.on('connect', () => failUnlessClosing('/secure connected with a wrong token'));
    await refused(wrong, '/secure (wrong token)', 'bad token', { reason: 'wrong token' });

    const none = newManager('none');
    const anonymous = none.socket('/secure');
    anonymous.on('connect', () => failUnlessClosing('/secure connected without auth'));
    await refused(anonymous, '/secure (no auth)', 'bad token', { reason: 'no token' });

    // The refused connects did not disturb the good one.
    await echoAck(secure, '/secure', ['still', 'here']);
  },

  async namespaces() {
    const manager = newManager();
    const root = manager.socket('/');
    const chat = manager.socket('/chat');
    // Listening before the connect: the server greets right after confirming it.
    const welcome = next(chat, 'welcome', '"welcome" on /chat');
    for (const [s, label] of [[root, '/'], [chat, '/chat']]) {
      failOnErrors(s, label);
      failOnDisconnect(s, label);
    }
    await connected(root, '/');
    await connected(chat, '/chat');
    expectEqual(await welcome, ['/chat'], '"welcome" args');
    step('welcome /chat');
    if (root.io !== chat.io || manager.engines.length !== 1) {
      throw new Error(`/ and /chat are not multiplexed (${manager.engines.length} engine connections)`);
    }
    if (root.id === chat.id) throw new Error(`/ and /chat share the socket id ${root.id}`);
    step('multiplexed');
    await checkTransport(manager, '/ + /chat');
    await echoAck(chat, '/chat', ['x', 1, { k: true }]);
    await messageEcho(chat, '/chat', 'hi chat');
    await askAnswer(chat, '/chat', 'chat?', ['chat-yes']);
    await echoAck(root, '/', ['root', { still: 'works' }]);
    // Both namespaces number their acks on their own: in flight together (same ids on
    // both), each ack must come back to its own namespace.
    const [a, b, c] = await Promise.all([
      emitWithCallback(root, 'echo', ['from /']),
      emitWithCallback(chat, 'echo', ['from /chat']),
      emitWithCallback(root, 'echo', ['from / again']),
    ]);
    expectEqual([a, b, c], [['from /'], ['from /chat'], ['from / again']], 'parallel acks on / and /chat');
    step('parallel acks');

    const nope = manager.socket('/nope');
    nope.on('connect', () => failUnlessClosing('/nope connected'));
    await refused(nope, '/nope', 'Invalid namespace', undefined);
    if (manager.engines.length !== 1) throw new Error('the refusal of /nope cost a new engine connection');
    await echoAck(root, '/', ['after', 'nope']);
    await echoAck(chat, '/chat', ['after', 'nope']);
  },

  async kick() {
    // Reconnection on, so that a server that dropped the whole connection instead of
    // leaving the namespace shows up as a reconnect.
    const manager = newManager('engine', { reconnection: true, reconnectionDelay: 100, reconnectionDelayMax: 200 });
    manager.on('reconnect_attempt', () => failUnlessClosing('the manager reconnects after a namespace kick'));
    const root = manager.socket('/');
    const chat = manager.socket('/chat');
    failOnErrors(root, '/');
    failOnErrors(chat, '/chat');
    failOnDisconnect(root, '/');
    await connected(root, '/');
    await connected(chat, '/chat');
    await checkTransport(manager, '/ + /chat');
    await echoAck(chat, '/chat', ['before', 'kick']);
    const gone = next(chat, 'disconnect', 'disconnect of /chat');
    chat.emit('kick');
    const [reason] = await gone;
    expectEqual(reason, 'io server disconnect', 'disconnect reason of /chat');
    step(`disconnected /chat ${reason}`);
    const again = [];
    chat.on('connect', () => again.push('connect'));
    await sleep(1000);
    if (again.length || chat.connected || chat.active) {
      throw new Error(`/chat came back on its own after the kick (${again.join(', ')}, active=${chat.active})`);
    }
    step('no reconnect /chat');
    if (!root.connected) throw new Error('"/" went down with /chat');
    await echoAck(root, '/', ['after', 'kick']);
    // The kicked namespace may be joined again by hand, on the same connection.
    const welcome = next(chat, 'welcome', '"welcome" on /chat again');
    chat.connect();
    await connected(chat, '/chat again');
    expectEqual(await welcome, ['/chat'], '"welcome" args again');
    await echoAck(chat, '/chat', ['back', 'again']);
    if (manager.engines.length !== 1) throw new Error(`${manager.engines.length} engine connections; expected 1`);
    step('same connection');
  },

  async binary() {
    const manager = newManager();
    const root = manager.socket('/');
    failOnErrors(root, '/');
    failOnDisconnect(root, '/');
    await connected(root, '/');
    await checkTransport(manager, '/');
    const bytes = Buffer.from([0, 1, 2, 127, 128, 254, 255]);
    const [back] = await emitWithCallback(root, 'echo', [bytes]);
    sameBytes(back, bytes, 'ack of "echo" with a Buffer');
    step('binary ack');
    const first = Buffer.from('first \u00e9', 'utf8');
    const second = Buffer.alloc(300, 7);
    const nested = { label: 'nested', data: first, list: [1, second, 'x'] };
    const acked = await emitWithCallback(root, 'echo', ['text', nested]);
    if (acked.length !== 2 || acked[0] !== 'text' || !acked[1] || acked[1].label !== 'nested') {
      throw new Error(`ack of "echo" with nested binary: got ${describe(acked)}`);
    }
    sameBytes(acked[1].data, first, 'nested binary (object member)');
    expectEqual([acked[1].list[0], acked[1].list[2]], [1, 'x'], 'nested list around the binary');
    sameBytes(acked[1].list[1], second, 'nested binary (array item)');
    step('nested binary ack');
    // Large messages: the server writes any WebSocket message over 16 KiB in fragments
    // (the string's are cut inside 2-byte characters).
    const big = Buffer.alloc(200000);
    for (let i = 0; i < big.length; i++) big[i] = i % 251;
    const [bigBack] = await emitWithCallback(root, 'echo', [big]);
    sameBytes(bigBack, big, 'ack of "echo" with a 200 kB Buffer');
    const long = '\u00e9'.repeat(50000) + 'end';
    expectEqual(await emitWithCallback(root, 'echo', [long]), [long], 'ack of "echo" with a 100 kB string');
    step('large messages');
    // Text traffic still fine after binary attachments.
    await echoAck(root, '/', ['after', 'binary']);
  },

  async reconnect() {
    const manager = newManager('engine', {
      reconnection: true,
      reconnectionDelay: 100,
      reconnectionDelayMax: 1000,
      reconnectionAttempts: Infinity,
      randomizationFactor: 0,
    });
    manager.on('reconnect_failed', () => failUnlessClosing('reconnect_failed'));
    const root = manager.socket('/');
    await connected(root, '/');
    await checkTransport(manager, '/');
    await echoAck(root, '/', ['before', 1]);
    const firstId = root.id;
    const firstEngine = manager.engine.id;
    const disconnected = next(root, 'disconnect', 'disconnect', STEP_MS);
    const reconnected = next(manager, 'reconnect', 'manager reconnect', STEP_MS);
    const back = next(root, 'connect', 'connect after the restart', STEP_MS);
    root.on('connect_error', (e) => {
      if (!closing) step(`connect_error ${e && e.message}`);
    });
    out('ready');
    currentStep = 'waiting for the server restart';
    const [reason] = await disconnected;
    step(`disconnected ${reason}`);
    if (reason !== 'transport close' && reason !== 'transport error' && reason !== 'ping timeout') {
      throw new Error(`disconnect reason ${describe(reason)}: expected a transport failure`);
    }
    const [attempts] = await reconnected;
    step(`reconnected after ${attempts} attempt(s)`);
    await back;
    step('connected / again');
    if (manager.engine.id === firstEngine) throw new Error(`same engine sid ${firstEngine} after a restart`);
    if (root.id === firstId) throw new Error(`same socket id ${firstId} after a restart`);
    await checkTransport(manager, '/ after the restart');
    await echoAck(root, '/', ['after', 2]);
  },

  async many() {
    const manager = newManager();
    const root = manager.socket('/');
    const chat = manager.socket('/chat');
    failOnErrors(root, '/');
    failOnDisconnect(root, '/');
    failOnErrors(chat, '/chat');
    failOnDisconnect(chat, '/chat');
    await connected(root, '/');
    await connected(chat, '/chat');
    await checkTransport(manager, '/ + /chat');
    const N = 20;
    const pending = [];
    for (let i = 0; i < N; i++) {
      pending.push(emitWithCallback(root, 'echo', [i, `payload-${i}`, { i, even: i % 2 === 0 }]));
    }
    // emitWithAck's promises, interleaved on /chat, with the same ack ids as on "/".
    const chatPending = [];
    for (let i = 0; i < N; i++) chatPending.push(emitWithAck(chat, 'echo', [`chat-${i}`, i]));
    const [acks, chatAcks] = await Promise.all([Promise.all(pending), Promise.all(chatPending)]);
    for (let i = 0; i < N; i++) {
      expectEqual(acks[i], [i, `payload-${i}`, { i, even: i % 2 === 0 }], `ack #${i} on /`);
      expectEqual(chatAcks[i], `chat-${i}`, `ack #${i} on /chat`);
    }
    step(`${N} + ${N} acks in flight`);
    await echoAck(root, '/', ['after', 'many']);
  },
};

scenarios[scenario]().then(finish, (e) => fail(e && e.message ? e.message : String(e)));
