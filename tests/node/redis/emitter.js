#!/usr/bin/env node
// Runs `@socket.io/redis-emitter` 5.1 steps against a Redis, in order, for
// tests/tests/redis_emitter.rs: the Node emitter reaching the clients of a Rust node.
//
//   node tests/node/redis/emitter.js <redis url> '<JSON array of steps>'
//
// Steps (namespace "/" unless "nsp" is given; "to"/"except": room lists):
//   {"op":"emit","to":[r],"except":[r],"event":E,"args":[...]}   ({"$bin":[..]} -> Buffer)
//   {"op":"join"|"leave","to":[r],"rooms":[r]}
//   {"op":"disconnect","to":[r],"close":bool}
//   {"op":"sse","event":E,"args":[...]}
// Prints {"done":N} after the N steps were published, then exits; {"fatal":msg} on error.
'use strict';

const { Emitter } = require('@socket.io/redis-emitter');
const { createClient } = require('redis');

function revive(value) {
  if (Array.isArray(value)) return value.map(revive);
  if (value && typeof value === 'object') {
    if (Array.isArray(value.$bin) && Object.keys(value).length === 1) return Buffer.from(value.$bin);
    const copy = {};
    for (const [k, v] of Object.entries(value)) copy[k] = revive(v);
    return copy;
  }
  return value;
}

async function main() {
  const [url, stepsJson] = process.argv.slice(2);
  const steps = JSON.parse(stepsJson);
  const client = createClient({ url });
  await client.connect();
  const emitter = new Emitter(client);
  for (const step of steps) {
    let op = emitter.of(step.nsp || '/');
    for (const r of step.to || []) op = op.to(r);
    for (const r of step.except || []) op = op.except(r);
    if (step.op === 'emit') op.emit(step.event, ...revive(step.args || []));
    else if (step.op === 'join') op.socketsJoin(step.rooms);
    else if (step.op === 'leave') op.socketsLeave(step.rooms);
    else if (step.op === 'disconnect') op.disconnectSockets(!!step.close);
    else if (step.op === 'sse') emitter.serverSideEmit(step.event, ...revive(step.args || []));
    else throw new Error(`unknown step ${JSON.stringify(step)}`);
  }
  // node-redis sends commands in order on one connection: a PING after them means they went.
  await client.ping();
  process.stdout.write(JSON.stringify({ done: steps.length }) + '\n');
  await client.quit();
}

main().catch((e) => {
  process.stdout.write(JSON.stringify({ fatal: String(e && e.stack ? e.stack : e) }) + '\n');
  process.exit(1);
});
