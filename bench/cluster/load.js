#!/usr/bin/env node
// The load of bench/cluster.sh: fan-out across a cluster. RECEIVERS socket.io-client 4
// clients (websocket) are spread round-robin over the node URLs, take a nickname and join
// "lobby"; one more client on the first node says ROUNDS lines to the lobby, at most WINDOW
// of them not yet heard by every receiver. Each line carries its send time
// (process.hrtime in this process), so each delivery's publish->receive latency is measured
// on one clock.
//
//   node bench/cluster/load.js <receivers> <rounds> <window> <url> [<url>...]
//
// With CPU_PIDS=pid,pid,... (the servers' process ids) it also reads their CPU time
// (utime+stime, in clock ticks, from /proc) right before the first line and right after the
// last delivery, so the figure covers the fan-out alone: not the connections, nicknames and
// joins before it (which cost the two servers different work: the chat demo announces every
// nickname to the namespace, Node's bench server does not), nor the disconnections after.
//
// Prints one line: `delivered=N seconds=S msgs_per_s=R p50_ms=A p99_ms=B[ cpu_ticks=T]`, or
// `fail: ...`.
'use strict';

const fs = require('node:fs');
const { io } = require('socket.io-client');

const [receivers, rounds, window_] = process.argv.slice(2, 5).map(Number);
const urls = process.argv.slice(5).map((u) => u.replace(/\/+$/, ''));
let progress = () => 'not connected yet';
const give_up = setTimeout(() => fail(`no result within 60 s (${progress()})`), 60000);

function fail(why) {
  process.stdout.write(`fail: ${why}\n`);
  process.exit(1);
}

function connect(url) {
  const s = io(`${url}/chat`, { transports: ['websocket'], forceNew: true, reconnection: false });
  return new Promise((resolve, reject) => {
    s.on('connect', () => resolve(s));
    s.on('connect_error', (e) => reject(new Error(`${url}: ${e.message}`)));
  });
}

const cpuPids = (process.env.CPU_PIDS || '').split(',').filter(Boolean);
// utime + stime of every server process, in clock ticks (fields 14 and 15 of
// /proc/PID/stat; the fields are counted after the command name, which may hold spaces).
const cpuTicks = () =>
  cpuPids.reduce((sum, pid) => {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return sum + Number(fields[11]) + Number(fields[12]);
  }, 0);

const call = (s, ev, ...args) => new Promise((resolve) => s.emit(ev, ...args, resolve));
const nowMs = () => Number(process.hrtime.bigint()) / 1e6;

async function main() {
  const latencies = new Float64Array(receivers * rounds);
  let delivered = 0;
  const heard = new Uint32Array(rounds);
  let onRound = null;
  const clients = [];
  for (let i = 0; i < receivers; i++) {
    const s = await connect(urls[i % urls.length]);
    await call(s, 'nickname', `r${i}`);
    await call(s, 'join', 'lobby');
    s.on('msg_to_room', (line) => {
      const [round, sentMs] = line.text.split(' ').map(Number);
      latencies[delivered++] = nowMs() - sentMs;
      if (++heard[round] === receivers && onRound) onRound(round);
    });
    clients.push(s);
  }
  progress = () => `${delivered} of ${receivers * rounds} delivered`;
  const publisher = await connect(urls[0]);
  await call(publisher, 'nickname', 'publisher');
  await call(publisher, 'join', 'lobby');
  // Room channels and subscriptions settle: one warm-up line everyone must hear.
  await new Promise((resolve) => setTimeout(resolve, 500));
  const ticksBefore = cpuTicks();
  const start = nowMs();
  let sent = 0;
  let complete = 0;
  await new Promise((resolve) => {
    const send = () => {
      while (sent < rounds && sent - complete < window_) {
        publisher.emit('user message', `${sent} ${nowMs()}`);
        sent++;
      }
    };
    onRound = () => {
      complete++;
      if (complete === rounds) resolve();
      else send();
    };
    send();
  });
  const seconds = (nowMs() - start) / 1000;
  const ticks = cpuTicks() - ticksBefore;
  const sorted = Array.from(latencies.subarray(0, delivered)).sort((a, b) => a - b);
  const pct = (p) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))].toFixed(2);
  process.stdout.write(
    `delivered=${delivered} seconds=${seconds.toFixed(2)} msgs_per_s=${Math.round(delivered / seconds)} p50_ms=${pct(0.5)} p99_ms=${pct(0.99)}` +
      (cpuPids.length ? ` cpu_ticks=${ticks}` : '') +
      '\n',
  );
  clearTimeout(give_up);
  for (const s of [...clients, publisher]) s.close();
  setTimeout(() => process.exit(0), 50);
}

main().catch((e) => fail(e && e.message ? e.message : e));
