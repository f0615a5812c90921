'use strict';
// Soak clients of one kind against the chat namespace `/chat` (bench-soak-server):
//
//   node bench/soak/clients.js <kind> <baseUrl> <clients> <seconds>
//
// kind: v4-websocket, v4-polling (socket.io-client 4), v09-websocket, v09-xhr-polling
// (socket.io-client 0.9.16, npm alias `sio-client-09`). Half of the clients stay for the
// whole run; the other half churn: connect, pick a nickname, join a room, send three acked
// messages, then vanish without a goodbye (the WebSocket destroyed, the held poll aborted)
// and are replaced. Every client sends `user message` with an ack about every 200 ms and
// counts the room broadcasts (`msg_to_room`) it receives. An ack that does not come within
// 5 s is overdue; one that comes later is counted `late` (not lost); at the end, overdue
// acks are waited for up to 15 s more. A stayer whose connection drops stops, the reason is
// counted, and the acks it was still waiting for are counted in `lostOnDrop` (a message in
// flight when its connection went: not an ack lost on a connection that stayed); its
// session id, reason and details go to stderr (`drop<TAB>sid<TAB>reason<TAB>{json}`), to be
// matched with the server's log: the details say how long this process had stalled (its
// timers late: the load generator starved of CPU), what its engine did last and, for a
// transport error, the HTTP status and body of the request that failed. At the end the stayers stop, wait for their last acks, and one JSON line is
// printed: {"kind", "stayers", "acked", "late", "lost", "lostOnDrop", "lostByChurners",
// "broadcasts", "cycles", "errors", "drops", "dropsStarved", "stallMaxMs"}; `lost` counts acks never received by a
// stayer whose connection stayed up to the end.

const [kind, baseUrl, clientsArg, secondsArg] = process.argv.slice(2);
const KINDS = ['v4-websocket', 'v4-polling', 'v09-websocket', 'v09-xhr-polling'];
if (!KINDS.includes(kind) || !baseUrl || !clientsArg || !secondsArg) {
  console.error(`usage: clients.js <${KINDS.join('|')}> <baseUrl> <clients> <seconds>`);
  process.exit(2);
}
const CLIENTS = Number(clientsArg);
const RUN_MS = Number(secondsArg) * 1000;
const ACK_MS = 5000;
const ROOMS = 10;

const LATE_WAIT_MS = 15000;

const stats = {
  kind, stayers: 0, acked: 0, late: 0, lost: 0, lostOnDrop: 0, lostByChurners: 0, broadcasts: 0, cycles: 0, errors: 0, drops: {}, dropsStarved: 0,
};
// Acks overdue (past ACK_MS) and not yet received: each resolves when its ack comes late.
const overdue = new Set();
let serial = 0;
let stopping = false;

// ---------------------------------------------------------------------------
// One client, whatever its generation: connect(), emit(name, args) -> Promise(ack args),
// onBroadcast(fn), vanish(), close().

function v4Client() {
  const { Manager } = require('socket.io-client');
  const transport = kind === 'v4-websocket' ? 'websocket' : 'polling';
  const manager = new Manager(baseUrl, { transports: [transport], reconnection: false, forceNew: true });
  const socket = manager.socket('/chat');
  return {
    connected: new Promise((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('connect_error', reject);
    }),
    emit: (name, ...args) => socket.emit(name, ...args),
    emitAck: (name, ...args) =>
      new Promise((resolve) => socket.emit(name, ...args, (...acked) => resolve(acked))),
    onBroadcast: (fn) => socket.on('msg_to_room', fn),
    onDrop: (fn) =>
      socket.on('disconnect', (reason, details) => fn(String(reason), { ...v4Details(details), ...traced(manager.engine) })),
    sid: () => (manager.engine ? manager.engine.id : '?'),
    trace: () => trace(manager.engine),
    vanish() {
      const engine = manager.engine;
      const t = engine && engine.transport;
      if (engine) engine.removeAllListeners();
      if (t) {
        t.removeAllListeners();
        if (t.ws) t.ws.terminate ? t.ws.terminate() : t.ws.close();
        if (t.pollXhr) t.pollXhr.abort();
      }
      if (engine) {
        clearTimeout(engine._pingTimeoutTimer);
        engine.readyState = 'closed';
      }
    },
    close: () => socket.disconnect(),
  };
}

function v09Client() {
  const io = require('sio-client-09');
  const transport = kind === 'v09-websocket' ? 'websocket' : 'xhr-polling';
  io.transports = [transport];
  const root = io.connect(baseUrl, {
    transports: [transport],
    'force new connection': true,
    'try multiple transports': false,
    reconnect: false,
  });
  const ns = root.socket.of('/chat');
  const s = root.socket;
  const stopTimers = () => {
    if (s.transport) s.transport.clearTimeouts();
    clearTimeout(s.heartbeatTimeoutTimer);
    clearTimeout(s.connectTimeoutTimer);
  };
  return {
    connected: new Promise((resolve, reject) => {
      ns.once('connect', resolve);
      ns.once('connect_failed', reject);
      ns.once('error', reject);
    }),
    emitAck: (name, ...args) => new Promise((resolve) => ns.emit(name, ...args, (...acked) => resolve(acked))),
    onBroadcast: (fn) => ns.on('msg_to_room', fn),
    onDrop: (fn) => ns.on('disconnect', (reason) => fn(String(reason), {})),
    trace: () => {},
    sid: () => s.sessionid || '?',
    vanish() {
      const t = s.transport;
      stopTimers();
      s.connected = false;
      s.open = false;
      if (t) {
        t.onClose = t.onPacket = t.onData = () => {};
        if (t.websocket) {
          t.websocket.onclose = t.websocket.onmessage = t.websocket.onerror = () => {};
          if (t.websocket.terminate) t.websocket.terminate();
          else t.websocket.close();
        }
        for (const x of [t.xhr, t.sendXHR]) {
          if (x) {
            x.onreadystatechange = x.onload = x.onerror = () => {};
            try { x.abort(); } catch (e) { /* gone already */ }
          }
        }
      }
    },
    close() {
      if (s.connected || s.connecting) s.disconnect();
      stopTimers();
    },
  };
}

// ---------------------------------------------------------------------------
// What a drop is explained with: how long this process went without running (event loop
// stalls: the load generator's own starvation), and for socket.io-client 4 what its
// engine did last (ping received, pong queued, writes drained, the poll and POST in
// flight) and the HTTP status and body of the request that failed.

const STALL_TICK_MS = 50;
// A drop is put down to this process's starvation when, in the STARVED_WINDOW_MS before
// it, its timers ran late by STARVED_STALL_MS or more in all (the server's ping interval
// plus its pong deadline, and the deadline itself, in bench-soak-server).
const STARVED_WINDOW_MS = 10000;
const STARVED_STALL_MS = 5000;
// [at, gap]: times this process's timers ran more than 250 ms late, the last 60 s.
const stalls = [];
let stallMaxMs = 0;
let lastTick = Date.now();
setInterval(() => {
  const now = Date.now();
  const gap = now - lastTick - STALL_TICK_MS;
  lastTick = now;
  if (gap > stallMaxMs) stallMaxMs = gap;
  if (gap > 250) stalls.push([now, gap]);
  while (stalls.length > 0 && stalls[0][0] < now - 60000) stalls.shift();
}, STALL_TICK_MS).unref();

// Every second, the main thread's time on a CPU and time waiting for one (runnable, not
// scheduled: the machine's doing, not this process's), from /proc/self/schedstat (ns).
const fs = require('fs');
function schedstat() {
  try {
    const [run, wait] = fs.readFileSync('/proc/self/schedstat', 'utf8').split(' ').map(Number);
    return { run, wait };
  } catch (e) {
    return null;
  }
}
const sched = [];
setInterval(() => {
  const now = schedstat();
  if (now) sched.push([Date.now(), now.run, now.wait]);
  while (sched.length > 0 && sched[0][0] < Date.now() - 60000) sched.shift();
}, 1000).unref();

// Over the last `ms`: the longest stall that ended in it and their sum, and the main
// thread's CPU time and run-queue wait (from the oldest sample in the window to now).
function stalledWithin(ms) {
  const since = Date.now() - ms;
  let max = 0;
  let sum = 0;
  for (const [at, gap] of stalls) {
    if (at >= since) {
      max = Math.max(max, gap);
      sum += gap;
    }
  }
  const out = { windowMs: ms, stallMaxMs: max, stallSumMs: sum };
  const first = sched.find(([at]) => at >= since);
  const now = schedstat();
  if (first && now) {
    out.sampledMs = Date.now() - first[0];
    out.cpuMs = Math.round((now.run - first[1]) / 1e6);
    out.runQueueWaitMs = Math.round((now.wait - first[2]) / 1e6);
  }
  return out;
}

// Timestamps of an Engine.IO client's last ping, pong and writes, and its requests.
function trace(engine) {
  if (!engine || engine.soakTrace) return;
  const t = {
    ping: 0, pongQueued: 0, pongSent: 0, pongPostEnd: 0, drain: 0, packet: 0, pollStart: 0, pollEnd: 0, postStart: 0, postEnd: 0,
  };
  engine.soakTrace = t;
  engine.on('ping', () => { t.ping = Date.now(); });
  engine.on('packetCreate', (p) => { if (p.type === 'pong') t.pongQueued = Date.now(); });
  engine.on('drain', () => { t.drain = Date.now(); });
  engine.on('packet', () => { t.packet = Date.now(); });
  const transport = engine.transport;
  if (!transport || typeof transport.doPoll !== 'function') return;
  const doPoll = transport.doPoll.bind(transport);
  transport.doPoll = () => {
    t.pollStart = Date.now();
    doPoll();
    if (transport.pollXhr) transport.pollXhr.on('data', () => { t.pollEnd = Date.now(); });
  };
  const doWrite = transport.doWrite.bind(transport);
  transport.doWrite = (data, fn) => {
    t.postStart = Date.now();
    // A payload's packets are separated by 0x1e; a pong is `3`.
    const pong = typeof data === 'string' && data.split('\x1e').includes('3');
    if (pong) t.pongSent = t.postStart;
    doWrite(data, (...args) => {
      t.postEnd = Date.now();
      if (pong) t.pongPostEnd = t.postEnd;
      fn(...args);
    });
  };
}

// The trace as "ms ago" at the moment of a drop (0: never).
function traced(engine) {
  const t = engine && engine.soakTrace;
  if (!t) return {};
  const now = Date.now();
  const ago = (at) => (at ? now - at : null);
  return {
    pingAgoMs: ago(t.ping),
    pongQueuedAgoMs: ago(t.pongQueued),
    pongSentAgoMs: ago(t.pongSent),
    pongPostEndAgoMs: ago(t.pongPostEnd),
    drainAgoMs: ago(t.drain),
    packetAgoMs: ago(t.packet),
    pollStartAgoMs: ago(t.pollStart),
    pollEndAgoMs: ago(t.pollEnd),
    postStartAgoMs: ago(t.postStart),
    postEndAgoMs: ago(t.postEnd),
  };
}

// socket.io-client 4's disconnect details: for a transport error, the failed request's
// description (its HTTP status, 0 if none) and, from its XHR, the response body.
function v4Details(details) {
  if (!details) return {};
  const out = {};
  if (details.description !== undefined) {
    out.description = details.description instanceof Error ? details.description.message : details.description;
  }
  const xhr = details.context;
  if (xhr && typeof xhr === 'object') {
    if (xhr.status !== undefined) out.status = xhr.status;
    if (typeof xhr.responseText === 'string') out.body = xhr.responseText.slice(0, 200);
  }
  if (details.message && !out.description) out.message = details.message;
  return out;
}

const newClient = kind.startsWith('v4') ? v4Client : v09Client;

function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

// An ack within ACK_MS, else `null`.
function withinAck(promise) {
  let timer;
  return Promise.race([promise, new Promise((r) => { timer = setTimeout(() => r(null), ACK_MS); })]).finally(() =>
    clearTimeout(timer),
  );
}

// One acked `user message`; counts it. `state` (a stayer's) says whether its connection
// dropped: an ack still missing at the end is then counted against the drop.
async function message(client, state) {
  const ack = client.emitAck('user message', `m${serial++}`);
  const acked = await withinAck(ack);
  if (acked !== null) {
    stats.acked++;
    return;
  }
  if (!state) {
    stats.lostByChurners++;
    return;
  }
  // Overdue: counted when it comes, or at the end as lost (on a drop or not).
  const pending = ack.then(() => {
    stats.late++;
    overdue.delete(pending);
    state.overdue.delete(pending);
  });
  pending.state = state;
  overdue.add(pending);
  state.overdue.add(pending);
}

// Connects, takes a nickname and a room; `null` on failure.
async function join() {
  const client = newClient();
  try {
    await withinAck(client.connected.then(() => true));
    const nick = `${kind}-${process.pid}-${serial++}`;
    const named = await withinAck(client.emitAck('nickname', nick));
    // The ack is one argument, the handler's `(bool, String)`.
    if (!named || !Array.isArray(named[0]) || named[0][0] !== true) throw new Error(`nickname: ${JSON.stringify(named)}`);
    const joined = await withinAck(client.emitAck('join', `room${serial % ROOMS}`));
    if (!joined || joined[0] !== true) throw new Error(`join: ${JSON.stringify(joined)}`);
    client.onBroadcast(() => stats.broadcasts++);
    return client;
  } catch (e) {
    stats.errors++;
    if (stats.errors <= 5) console.error(`${kind}: ${e && e.message ? e.message : e}`);
    client.vanish();
    return null;
  }
}

async function stayer() {
  const client = await join();
  if (!client) return;
  stats.stayers++;
  const state = { dropped: false, overdue: new Set() };
  const sid = client.sid();
  client.trace();
  client.onDrop((reason, details) => {
    if (stopping) return;
    state.dropped = true;
    stats.drops[reason] = (stats.drops[reason] || 0) + 1;
    const detail = { at: new Date().toISOString(), ...details, ...stalledWithin(STARVED_WINDOW_MS) };
    // The pong deadline is 5 s (bench-soak-server): a client whose timers were late by
    // that much in all within the window could not have answered in time.
    detail.starved = detail.stallSumMs >= STARVED_STALL_MS;
    if (detail.starved) stats.dropsStarved++;
    console.error(`drop\t${sid}\t${reason}\t${JSON.stringify(detail)}`);
  });
  while (!stopping && !state.dropped) {
    await message(client, state);
    await sleep(150 + Math.random() * 100);
  }
  // Its overdue acks may still come while it is connected.
  const until = Date.now() + LATE_WAIT_MS;
  while (state.overdue.size > 0 && !state.dropped && Date.now() < until) await sleep(100);
  // The last acks are awaited above (each `message` waits for its own).
  client.close();
}

async function churner() {
  while (!stopping) {
    const client = await join();
    if (!client) {
      await sleep(200);
      continue;
    }
    for (let i = 0; i < 3 && !stopping; i++) {
      await message(client, false);
      await sleep(150 + Math.random() * 100);
    }
    client.vanish();
    stats.cycles++;
  }
}

async function main() {
  const all = [];
  for (let i = 0; i < CLIENTS; i++) {
    all.push(i % 2 === 0 ? stayer() : churner());
    await sleep(5);
  }
  await sleep(RUN_MS);
  stopping = true;
  await Promise.all(all);
  for (const pending of overdue) {
    if (pending.state.dropped) stats.lostOnDrop++;
    else stats.lost++;
  }
  stats.stallMaxMs = stallMaxMs;
  console.log(JSON.stringify(stats));
  process.exit(0);
}

main();
