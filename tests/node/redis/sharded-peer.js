#!/usr/bin/env node
// The Node peer of tests/node/redis/peer.js (same namespace behaviour, same commands), with
// `createShardedAdapter` of `@socket.io/redis-adapter` 8.3 (Redis 7 sharded pub/sub, the
// socket.io-adapter ClusterAdapter messages) in place of the classic adapter.
//
//   node tests/node/redis/sharded-peer.js <redis url> [channelPrefix] [subscriptionMode]
//
// peer.js builds its adapter with `createAdapter(pub, sub, {key, ...})`; this script makes
// that name build a sharded adapter with `channelPrefix: key` and the given mode, then runs
// peer.js unchanged.
'use strict';

const path = require('node:path');
const redisAdapter = require('@socket.io/redis-adapter');

const mode = process.argv[4] || 'dynamic';
redisAdapter.createAdapter = (pub, sub, opts) =>
  redisAdapter.createShardedAdapter(pub, sub, { channelPrefix: opts.key, subscriptionMode: mode });
process.argv[4] = '0';
require(path.join(__dirname, 'peer.js'));
