#!/usr/bin/env node
// The Node peer of tests/node/redis/peer.js (same namespace "/", same commands, the classic
// `@socket.io/redis-adapter` 8.3) with the official Admin UI server side,
// `@socket.io/admin-ui` 0.5.1, instrumented on it: no authentication, the server id given.
// tests/tests/admin_node_cluster.rs puts it in one cluster with a Rust node whose Admin UI
// is the runtime's own, and checks that a UI on either node sees and steers both.
//
//   node tests/node/admin/admin-peer.js <redis url> <key> <server id>
//
// peer.js takes `Server` from socket.io when it loads; this script hands it a subclass that
// instruments every server it builds, then runs peer.js unchanged.
'use strict';

const path = require('node:path');
const socketIo = require('socket.io');
const { instrument } = require('@socket.io/admin-ui');

const serverId = process.argv[4] || 'node';
const Plain = socketIo.Server;
socketIo.Server = class InstrumentedServer extends Plain {
  constructor(...args) {
    super(...args);
    instrument(this, { auth: false, serverId, mode: 'development' });
  }
};
process.argv[4] = '0';
require(path.join(__dirname, '..', 'redis', 'peer.js'));
