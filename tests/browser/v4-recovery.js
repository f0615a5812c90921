#!/usr/bin/env node
// Connection state recovery in headless Chromium: the stock socket.io-client 4.8 browser
// bundle on namespace /live of a server with recovery on (tests/tests/recovery_browser.rs).
//
//   node tests/browser/v4-recovery.js <baseUrl> <polling|websocket> <ticks>
//
// The page connects and prints `step connected`; the test's server then emits `tick(i, kind)`
// every few ms (even i to the socket, odd i to its room), i = 0..ticks-1. When the page has
// tick 10 it closes its engine (`socket.io.engine.close()` from a timer task, as a network
// switch would); the
// client reconnects by itself 200-400 ms later. The page passes when it reconnected with
// `socket.recovered === true`, the same socket id, and got every tick exactly once, in
// order, each with a distinct offset as its extra last argument.
//
// Prints `step ...` lines, then `ok <mode>` (exit 0) or `fail <mode>: <reason>` (exit 1).
'use strict';

const { out, startRun, playwrightChromium } = require('./harness');

const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.join(__dirname, '..', '..');
const BUNDLE_FILE = path.join(ROOT, 'node_modules', 'socket.io-client', 'dist', 'socket.io.min.js');
const PAGE_PATH = '/__test/recovery.html';
const BUNDLE_PATH = '/__test/socket.io.min.js';

const [baseUrlArg, mode, ticksArg] = process.argv.slice(2);
if (!baseUrlArg || !['polling', 'websocket'].includes(mode) || !(Number(ticksArg) > 11)) {
  out(`fail ${mode || '?'}: usage: v4-recovery.js <baseUrl> <polling|websocket> <ticks > 11>`);
  process.exit(1);
}
const baseUrl = baseUrlArg.replace(/\/+$/, '');
const ticks = Number(ticksArg);

const run = startRun(mode, { timeoutMs: 30000, trace: false });
const { step, fail } = run;

// The page: everything it checks is in the browser; the verdict goes out through __done.
const PAGE = `<!doctype html><meta charset="utf-8"><title>recovery</title>
<script src="${BUNDLE_PATH}"></script>
<script>
(function () {
  const mode = ${JSON.stringify(mode)};
  const ticks = ${ticks};
  const socket = io('/live', { transports: [mode], reconnectionDelay: 200, reconnectionDelayMax: 400 });
  const seen = [];
  let firstId = null;
  let dropped = false;
  let recovered = null;
  let done = false;
  function finish(ok, reason) {
    if (done) return;
    done = true;
    socket.disconnect();
    window.__done({ ok, reason, seen: seen.length });
  }
  function check() {
    if (recovered === null || seen.length < ticks) return;
    if (recovered !== true) return finish(false, 'socket.recovered is ' + recovered);
    if (socket.id !== firstId) return finish(false, 'socket id ' + socket.id + ' after ' + firstId);
    const offsets = new Set();
    for (let i = 0; i < seen.length; i++) {
      const [n, kind, offset] = seen[i];
      const want = i % 2 === 0 ? 'direct' : 'room';
      if (n !== i || kind !== want) return finish(false, 'event ' + i + ' is ' + JSON.stringify(seen[i]) + ': ' + JSON.stringify(seen.map((s) => s[0])));
      if (typeof offset !== 'string' || offsets.has(offset)) return finish(false, 'offset of ' + i + ': ' + JSON.stringify(offset));
      offsets.add(offset);
    }
    finish(true);
  }
  socket.on('connect', () => {
    if (firstId === null) {
      firstId = socket.id;
      window.__step('connected ' + socket.id + ' over ' + socket.io.engine.transport.name);
    } else {
      recovered = socket.recovered;
      window.__step('reconnected recovered=' + socket.recovered + ' after ' + seen.length + ' ticks');
      check();
    }
  });
  socket.on('disconnect', (reason) => window.__step('disconnect ' + reason));
  socket.on('tick', (...args) => {
    seen.push(args);
    if (args[0] === 10 && !dropped) {
      dropped = true;
      // From a task of its own, as a network switch would hit: closing the engine inside a
      // listener leaves the packets decoded with this one (a polling payload) queued, and
      // socket.io-client 4.8 buffers them while disconnected and emits them after the
      // recovery's replay of the same events (a duplicate the server cannot see coming).
      setTimeout(() => {
        window.__step('dropping the transport');
        socket.io.engine.close();
      }, 0);
    }
    if (seen.length > ticks) return finish(false, 'more ticks than sent: ' + JSON.stringify(seen.map((s) => s[0])));
    check();
  });
})();
</script>`;

async function main() {
  const chromium = playwrightChromium();
  if (!fs.existsSync(BUNDLE_FILE)) {
    throw new Error(`${BUNDLE_FILE} is missing: run \`npm ci --ignore-scripts\` at the repository root`);
  }
  const bundle = fs.readFileSync(BUNDLE_FILE, 'utf8');
  const context = await run.launch(chromium, 'v4-recovery-');
  let settle;
  const verdict = new Promise((resolve) => {
    settle = resolve;
  });
  await context.exposeFunction('__step', (line) => step(String(line)));
  await context.exposeFunction('__done', (result) => settle(result));
  await context.route(`${baseUrl}${PAGE_PATH}*`, (route) =>
    route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: PAGE }),
  );
  await context.route(`${baseUrl}${BUNDLE_PATH}*`, (route) =>
    route.fulfill({ status: 200, contentType: 'application/javascript; charset=utf-8', body: bundle }),
  );
  const page = context.pages()[0] || (await context.newPage());
  page.on('pageerror', (e) => settle({ ok: false, reason: `page error: ${e.message}` }));
  page.on('crash', () => settle({ ok: false, reason: 'page crashed' }));
  page.on('console', (m) => {
    if (m.type() === 'error') step(`console error: ${m.text()}`);
  });
  await page.goto(`${baseUrl}${PAGE_PATH}`, { waitUntil: 'domcontentloaded', timeout: 10000 });
  const result = await verdict;
  if (!result || !result.ok) throw new Error((result && result.reason) || 'no result from the page');
  step(`${result.seen} ticks, once each, in order`);
}

main().then(
  () => run.end(true),
  (e) => fail(e && e.message ? e.message : String(e)),
);
