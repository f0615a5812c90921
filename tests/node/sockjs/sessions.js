#!/usr/bin/env node
// sockjs-client 1.6 sessions with known traffic, one per transport named (each forced:
// `transports: [name]`), opened one after the other: each checks it runs on that
// transport, sends `count` messages and waits for each to come back (the server echoes),
// then either closes (`close`) or stays open until stdin ends (`hold`).
//
//   node tests/node/sockjs/sessions.js <url> <count> <close|hold> <transport>...
//
// Prints `step <transport> open`, `step <transport> echoed`, then `ok` once every session
// is done (after `ok`, held sessions stay open until stdin closes); `fail <reason>` and
// exit 1 otherwise.
'use strict';

const SockJS = require('sockjs-client');

const [url, countArg, mode, ...transports] = process.argv.slice(2);
const count = Number(countArg);
const TIMEOUT_MS = 30000;

function fail(reason) {
  process.stdout.write(`fail ${reason}\n`);
  process.exit(1);
}
const timer = setTimeout(() => fail('timeout'), TIMEOUT_MS);

function session(transport) {
  return new Promise((resolve) => {
    const sock = new SockJS(url, null, { transports: [transport] });
    const expected = [];
    for (let i = 0; i < count; i += 1) expected.push(`${transport} ${i} \u00e9`);
    const heard = [];
    sock.onopen = () => {
      if (sock.transport !== transport) fail(`${transport}: opened over ${sock.transport}`);
      process.stdout.write(`step ${transport} open\n`);
      expected.forEach((m) => sock.send(m));
    };
    sock.onmessage = (e) => {
      heard.push(e.data);
      if (heard.length === count) {
        if (JSON.stringify(heard) !== JSON.stringify(expected)) {
          fail(`${transport}: heard ${JSON.stringify(heard)}`);
        }
        process.stdout.write(`step ${transport} echoed\n`);
        if (mode === 'close') {
          sock.onclose = () => resolve();
          sock.close();
        } else {
          resolve(sock);
        }
      }
    };
    sock.onclose = (e) => fail(`${transport}: closed early ${e.code} ${e.reason}`);
  });
}

(async () => {
  const held = [];
  for (const transport of transports) {
    held.push(await session(transport));
  }
  clearTimeout(timer);
  process.stdout.write('ok\n');
  if (mode === 'close') process.exit(0);
  process.stdin.on('end', () => process.exit(0));
  process.stdin.resume();
})();
