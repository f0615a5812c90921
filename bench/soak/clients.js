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
// session id and reason go to stderr (`drop <sid> <reason>`), to be matched with the
// server's log. At the end the stayers stop, wait for their last acks, and one JSON line is
// printed: {"kind", "stayers", "acked", "late", "lost", "lostOnDrop", "lostByChurners",
// "broadcasts", "cycles", "errors", "drops"}; `lost` counts acks never received by a
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
  kind, stayers: 0, acked: 0, late: 0, lost: 0, lostOnDrop: 0, lostByChurners: 0, broadcasts: 0, cycles: 0, errors: 0, drops: {},
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
    onDrop: (fn) => socket.on('disconnect', (reason) => fn(String(reason))),
    sid: () => (manager.engine ? manager.engine.id : '?'),
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
    onDrop: (fn) => ns.on('disconnect', (reason) => fn(String(reason))),
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
  client.onDrop((reason) => {
    if (stopping) return;
    state.dropped = true;
    stats.drops[reason] = (stats.drops[reason] || 0) + 1;
    console.error(`drop ${sid} ${reason}`);
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
  console.log(JSON.stringify(stats));
  process.exit(0);
}

main();
