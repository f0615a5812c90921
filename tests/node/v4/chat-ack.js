#!/usr/bin/env node
// Two socket.io-client 4 clients on the chat demo's `/chat` namespace, wherever it is
// mounted (the axum example, a TLS server):
//
//   node tests/node/v4/chat-ack.js <baseUrl> <polling|websocket|upgrade>
//
// env: CA_FILE=<pem>  trust this certificate for https/wss (the client's `ca` option);
//      ROUTE=<path>   afterwards GET baseUrl+path and print `route <status> <body>`.
//
// A and B connect (forced polling, forced websocket, or polling then the upgrade, which is
// waited for); the engine's transport is checked; A and B take nicknames (acked [[true, nick]]),
// both join `lobby` (acked true), A says `hello` (acked true) and B hears it as
// `msg_to_room` from A. Prints `step ...` lines, then `ok` or `fail: <reason>`.
'use strict';

const fs = require('node:fs');
const { io } = require('socket.io-client');

const [baseArg, mode] = process.argv.slice(2);
const base = (baseArg || '').replace(/\/+$/, '');
const give_up = setTimeout(() => done(new Error('no verdict within 20 s')), 20000);
const sockets = [];

function out(line) {
  process.stdout.write(line + '\n');
}

function done(error) {
  clearTimeout(give_up);
  for (const s of sockets) s.close();
  out(error ? `fail: ${error.message}` : 'ok');
  process.exit(error ? 1 : 0);
}

function equal(got, want, what) {
  const [g, w] = [JSON.stringify(got), JSON.stringify(want)];
  if (g !== w) throw new Error(`${what}: got ${g}, want ${w}`);
}

if (!base || !['polling', 'websocket', 'upgrade'].includes(mode)) {
  done(new Error('usage: chat-ack.js <baseUrl> <polling|websocket|upgrade>'));
}

const options = {
  transports: mode === 'upgrade' ? ['polling', 'websocket'] : [mode],
  reconnection: false,
  forceNew: true,
};
if (process.env.CA_FILE) options.ca = fs.readFileSync(process.env.CA_FILE);

function connect(label) {
  const socket = io(`${base}/chat`, options);
  sockets.push(socket);
  return new Promise((resolve, reject) => {
    socket.on('connect_error', (e) => reject(new Error(`${label}: connect_error ${e.message}`)));
    socket.on('connect', () => resolve(socket));
  });
}

// The transport the engine runs once settled: for `upgrade`, after the upgrade.
async function settled(socket, label) {
  const engine = socket.io.engine;
  if (mode === 'upgrade' && engine.transport.name !== 'websocket') {
    await new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`${label}: no upgrade within 10 s`)), 10000);
      engine.once('upgrade', () => {
        clearTimeout(t);
        resolve();
      });
    });
  }
  const want = mode === 'polling' ? 'polling' : 'websocket';
  equal(engine.transport.name, want, `${label}'s transport`);
}

function call(socket, event, ...args) {
  return new Promise((resolve) => socket.emit(event, ...args, (...ack) => resolve(ack)));
}

(async () => {
  const [a, b] = await Promise.all([connect('A'), connect('B')]);
  out('step connected');
  await Promise.all([settled(a, 'A'), settled(b, 'B')]);
  out(`step transport ${a.io.engine.transport.name}`);
  // The chat acks a nickname with one array: [true, nickname].
  equal(await call(a, 'nickname', `ada-${mode}`), [[true, `ada-${mode}`]], "A's nickname ack");
  equal(await call(b, 'nickname', `bob-${mode}`), [[true, `bob-${mode}`]], "B's nickname ack");
  out('step nicknames acked');
  equal(await call(a, 'join', 'lobby'), [true], "A's join ack");
  equal(await call(b, 'join', 'lobby'), [true], "B's join ack");
  const heard = new Promise((resolve) => b.once('msg_to_room', resolve));
  equal(await call(a, 'user message', 'hello'), [true], "A's message ack");
  const line = await heard;
  equal([line.from, line.text, line.room], [`ada-${mode}`, 'hello', 'lobby'], 'what B heard');
  out('step message heard');
  if (process.env.ROUTE) {
    const answer = await fetch(base + process.env.ROUTE);
    out(`route ${answer.status} ${(await answer.text()).trim()}`);
  }
  done();
})().catch(done);
