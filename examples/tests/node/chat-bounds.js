#!/usr/bin/env node
// The chat's presence bounds, measured with socket.io-client 4 over websocket
// (issue #18: 1,000 `nickname` calls of 100-character names kept 999 names taken and sent
// an observer 53 MB of nickname lists).
//
//   node examples/tests/node/chat-bounds.js <baseUrl>
//
// O observes /chat. S makes 1,000 `nickname` calls with 100-character names (each refused),
// then 1,000 with distinct 32-character names (each a rename after the first). Then: T can
// take S's first name (freed) but not its last; O got one `user_joined` and 999
// `user_renamed`, each naming one change, and the list (`nicknames`) only once, when it
// connected; S leaves and O gets `user_left`; a newcomer's list is T's name alone.
//
// Prints `step ...` lines, `bytes <n>` (the Engine.IO message bytes O received during S's
// 2,000 calls), then `ok` or `fail: <reason>`.
'use strict';

const { io } = require('socket.io-client');

const base = (process.argv[2] || '').replace(/\/+$/, '');
const CALLS = 1000;
const give_up = setTimeout(() => done(new Error('no verdict within 30 s')), 30000);
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
  if (g !== w) throw new Error(`${what}: got ${g.slice(0, 300)}, want ${w.slice(0, 300)}`);
}

// A /chat socket that records every event it receives and the bytes of its messages.
function connect(label) {
  const socket = io(`${base}/chat`, { transports: ['websocket'], reconnection: false, forceNew: true });
  sockets.push(socket);
  socket.events = [];
  socket.bytes = 0;
  // The chat has connection state recovery on: every event it sends here carries its
  // offset (decimal, the in-memory adapter's) as one more last argument, checked and put aside.
  socket.onAny((name, ...args) => {
    const offset = args.pop();
    socket.events.push(/^[0-9]+$/.test(offset) ? [name, ...args] : [name, ...args, offset, 'no offset']);
  });
  return new Promise((resolve, reject) => {
    socket.on('connect_error', (e) => reject(new Error(`${label}: connect_error ${e.message}`)));
    socket.on('connect', () => {
      socket.io.engine.on('packet', (p) => {
        if (p.type === 'message' && typeof p.data === 'string') socket.bytes += Buffer.byteLength(p.data);
      });
      resolve(socket);
    });
  });
}

async function until(what, pred) {
  const deadline = Date.now() + 15000;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`no ${what} within 15 s`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const count = (socket, name) => socket.events.filter((e) => e[0] === name).length;
const name = (i) => `user-${String(i).padStart(4, '0')}-${'x'.repeat(22)}`; // 32 characters

async function main() {
  if (!base) throw new Error('usage: chat-bounds.js <baseUrl>');
  const o = await connect('O');
  await until("O's list", () => count(o, 'nicknames') === 1);
  equal(o.events[0], ['nicknames', []], 'the list O got on connecting');
  const s = await connect('S');
  const before = o.bytes;

  const long = await Promise.all(
    Array.from({ length: CALLS }, (_, i) => s.emitWithAck('nickname', `${i}`.padEnd(100, 'y'))),
  );
  for (const ack of long) equal(ack, [false, 'a name has at most 32 characters'], 'the ack of a 100-character name');
  out(`step ${CALLS} 100-character names refused`);

  const acks = await Promise.all(Array.from({ length: CALLS }, (_, i) => s.emitWithAck('nickname', name(i))));
  acks.forEach((ack, i) => equal(ack, [true, name(i)], `the ack of name ${i}`));
  await until('999 renames at O', () => count(o, 'user_renamed') === CALLS - 1);
  out(`bytes ${o.bytes - before}`);
  equal(count(o, 'user_joined'), 1, "O's user_joined events");
  equal(count(o, 'nicknames'), 1, "O's nicknames events (the list, once)");
  const renames = o.events.filter((e) => e[0] === 'user_renamed');
  renames.forEach((e, i) => equal(e, ['user_renamed', name(i), name(i + 1)], `rename ${i}`));
  out(`step O: 1 user_joined, ${renames.length} user_renamed, the list once`);

  const t = await connect('T');
  equal(await t.emitWithAck('nickname', name(0)), [true, name(0)], "T taking S's first name");
  equal(await t.emitWithAck('nickname', name(CALLS - 1)), [false, `“${name(CALLS - 1)}” is taken`], "T taking S's name");
  out("step T took S's first name; S's last is still taken");

  s.close();
  await until("O's user_left", () => count(o, 'user_left') === 1);
  equal(o.events.find((e) => e[0] === 'user_left'), ['user_left', name(CALLS - 1)], "O's user_left");
  const u = await connect('U');
  await until("U's list", () => count(u, 'nicknames') === 1);
  equal(u.events[0], ['nicknames', [name(0)]], 'the list a newcomer gets');
  equal(count(o, 'nicknames'), 1, "O's nicknames events at the end");
  out("step S left: O got user_left, a newcomer's list is T's name alone");
}

main().then(() => done(), done);
