#!/usr/bin/env node
// A socket.io-client 4 client, a socket.io-client 0.9.16 client and a sockjs-client 1.6
// client in one room of one namespace: each sends one message, each must hear the other
// two (and not itself).
//
//   node tests/node/sockjs/mixed-room.js <baseUrl> <namespace> <sockjs prefix>
//
// Prints `ok` (exit 0) or `fail <reason>` (exit 1).
'use strict';

const { io: connectV4 } = require('socket.io-client');
const io09 = require('sio-client-09');
const SockJS = require('sockjs-client');

const [base, nsp, prefix] = process.argv.slice(2);
const TIMEOUT_MS = 20000;

function fail(reason) {
  process.stdout.write(`fail ${reason}\n`);
  process.exit(1);
}
setTimeout(() => fail(`timeout; heard: ${JSON.stringify(heard)}`), TIMEOUT_MS);

const names = ['v4', 'v09', 'sockjs'];
const heard = { v4: [], v09: [], sockjs: [] };
const senders = {};
let open = 0;

function opened(name, send) {
  senders[name] = send;
  process.stdout.write(`step ${name} open\n`);
  open += 1;
  if (open === names.length) {
    // Give each server-side connect its room before anyone speaks.
    setTimeout(() => names.forEach((n) => senders[n](`from ${n} \u2028 </script> \u00e9`)), 300);
  }
}

function hear(name, text) {
  heard[name].push(String(text));
  process.stdout.write(`step ${name} heard ${JSON.stringify(String(text))}\n`);
  const done = names.every((n) => {
    const expected = names.filter((o) => o !== n).map((o) => `from ${o} \u2028 </script> \u00e9`).sort();
    return JSON.stringify(heard[n].slice().sort()) === JSON.stringify(expected);
  });
  if (done) {
    process.stdout.write('ok\n');
    process.exit(0);
  }
  if (heard[name].length > 2) fail(`${name} heard too much: ${JSON.stringify(heard[name])}`);
}

const v4 = connectV4(`${base}${nsp}`, { transports: ['websocket'], reconnection: false });
v4.on('connect', () => opened('v4', (t) => v4.send(t)));
v4.on('message', (t) => hear('v4', t));
v4.on('connect_error', (e) => fail(`v4 connect_error ${e.message}`));

io09.transports = ['websocket'];
const v09 = io09.connect(`${base}${nsp}`, {
  transports: ['websocket'],
  'force new connection': true,
  'try multiple transports': false,
  reconnect: false,
});
v09.on('connect', () => opened('v09', (t) => v09.send(t)));
v09.on('message', (t) => hear('v09', t));
v09.on('error', (e) => fail(`v09 error ${e}`));

const sock = new SockJS(`${base}/${prefix}`, null, { transports: ['websocket'] });
sock.onopen = () => opened('sockjs', (t) => sock.send(t));
sock.onmessage = (e) => hear('sockjs', e.data);
sock.onclose = (e) => fail(`sockjs closed ${e.code} ${e.reason}`);
