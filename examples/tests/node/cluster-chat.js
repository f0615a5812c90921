#!/usr/bin/env node
// Two nodes of the `cluster` example, one socket.io-client 4 client on each: both take a
// nickname and join "lobby"; `a` (on the first node) says a line every 100 ms until `b`
// (on the second node) hears one (a room's channel may be subscribed a moment after the
// join, as with Node's sharded adapter); then `b` answers and `a` must hear it.
//
//   node examples/tests/node/cluster-chat.js <baseUrlA> <baseUrlB>
//
// Prints `ok` or `fail: <reason>`.
'use strict';

const { io } = require('socket.io-client');

const [urlA, urlB] = process.argv.slice(2).map((u) => u.replace(/\/+$/, ''));
const give_up = setTimeout(() => done(new Error('no verdict within 20 s')), 20000);
const sockets = [];

function done(error) {
  clearTimeout(give_up);
  process.stdout.write(error ? `fail: ${error.message}\n` : 'ok\n');
  for (const s of sockets) s.close();
  setTimeout(() => process.exit(error ? 1 : 0), 50);
}

function connect(url) {
  const socket = io(`${url}/chat`, { transports: ['websocket'], forceNew: true, reconnection: false });
  sockets.push(socket);
  return new Promise((resolve, reject) => {
    socket.on('connect', () => resolve(socket));
    socket.on('connect_error', reject);
  });
}

function call(socket, event, ...args) {
  return new Promise((resolve) => socket.emit(event, ...args, resolve));
}

async function main() {
  const a = await connect(urlA);
  const b = await connect(urlB);
  for (const [s, nick] of [[a, 'ann'], [b, 'bob']]) {
    const named = await call(s, 'nickname', nick);
    if (!named[0]) throw new Error(`nickname ${nick}: ${JSON.stringify(named)}`);
    if (!(await call(s, 'join', 'lobby'))) throw new Error(`join for ${nick}`);
  }
  const heard = new Promise((resolve) => b.on('msg_to_room', (line) => line.from === 'ann' && resolve(line)));
  const timer = setInterval(() => a.emit('user message', 'hello from node A'), 100);
  const line = await heard;
  clearInterval(timer);
  if (line.room !== 'lobby' || line.text !== 'hello from node A') throw new Error(`b heard ${JSON.stringify(line)}`);
  const back = new Promise((resolve) => a.on('msg_to_room', (l) => l.from === 'bob' && resolve(l)));
  b.emit('user message', 'hello from node B');
  const answer = await back;
  if (answer.text !== 'hello from node B') throw new Error(`a heard ${JSON.stringify(answer)}`);
}

main().then(() => done(), (e) => done(e));
