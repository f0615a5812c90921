#!/usr/bin/env node
// The stock socket.io-client 4.8.4 browser bundle in headless Chromium (Socket.IO protocol 5
// on Engine.IO 4), over one mode.
//
//   node tests/browser/v4-transports.js <baseUrl> <mode>
//
// mode: `polling` or `websocket` (forced with `transports: [mode]`), or `upgrade` (default
// transports: the page checks the engine started on polling and upgraded to websocket).
//
// Launches Debian's Chromium (/usr/bin/chromium) through playwright-core and serves, through
// page.route() on the server's own origin, the test page tests/browser/pages/v4.html at
// <baseUrl>/__test/v4.html and the client bundle node_modules/socket.io-client/dist/
// socket.io.min.js at <baseUrl>/__test/socket.io.min.js (the server serves no v4 bundle).
// The page connects, checks the transport, then: `echo` acks (callback and emitWithAck),
// a message echo, `ask` -> `question` (acked by the page) -> `answer`, the same with text full
// of characters that break careless escaping, and binary (ArrayBuffer, Uint8Array, nested)
// echoes.
//
// Prints `step ...` lines as it goes, then `ok <mode>` (exit 0) or `fail <mode>: <reason>`
// (exit 1), always after the browser is closed and its profile directory removed.
// V4_TRACE=1 adds `trace ...` lines: every request the page makes (with POST bodies), every
// WebSocket frame, and every Engine.IO packet the client sends or receives.
'use strict';

const { out, describe, describePayload, startRun, playwrightChromium } = require('./harness');

const fs = require('node:fs');
const path = require('node:path');

const MODES = ['polling', 'websocket', 'upgrade'];
const ROOT = path.join(__dirname, '..', '..');
const PAGE_FILE = path.join(__dirname, 'pages', 'v4.html');
const PAGE_PATH = '/__test/v4.html';
const BUNDLE_FILE = path.join(ROOT, 'node_modules', 'socket.io-client', 'dist', 'socket.io.min.js');
const BUNDLE_PATH = '/__test/socket.io.min.js';
const TIMEOUT_MS = 30000;
const TRACE = process.env.V4_TRACE === '1';

const [baseUrlArg, mode] = process.argv.slice(2);

if (!baseUrlArg || !MODES.includes(mode)) {
  out(`fail ${mode || '?'}: usage: v4-transports.js <baseUrl> <${MODES.join('|')}>`);
  process.exit(1);
}

const baseUrl = baseUrlArg.replace(/\/+$/, '');

// ---------------------------------------------------------------------------
// Bookkeeping: the process always ends through end(), which closes the browser and removes
// the profile directory before printing the verdict.

const run = startRun(mode, { timeoutMs: TIMEOUT_MS, trace: TRACE });
const { step, trace, fail } = run;

// ---------------------------------------------------------------------------

async function main() {
  const chromium = playwrightChromium();
  if (!fs.existsSync(BUNDLE_FILE)) {
    throw new Error(`${BUNDLE_FILE} is missing: run \`npm ci --ignore-scripts\` at the repository root`);
  }
  const html = fs.readFileSync(PAGE_FILE, 'utf8');
  const bundle = fs.readFileSync(BUNDLE_FILE, 'utf8');
  const version = JSON.parse(
    fs.readFileSync(path.join(ROOT, 'node_modules', 'socket.io-client', 'package.json'), 'utf8'),
  ).version;
  step(`bundle socket.io-client ${version} (${bundle.length} bytes)`);

  const context = await run.launch(chromium, 'v4-chromium-');
  step(`chromium ${context.browser() ? context.browser().version() : 'started'}`);

  let settle;
  const verdict = new Promise((resolve) => {
    settle = resolve;
  });
  await context.exposeFunction('__v4Step', (line) => step(String(line)));
  await context.exposeFunction('__v4Trace', (line) => trace(String(line)));
  await context.exposeFunction('__v4Done', (result) => settle(result));

  await context.route(`${baseUrl}${PAGE_PATH}*`, (route) =>
    route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: html }),
  );
  await context.route(`${baseUrl}${BUNDLE_PATH}*`, (route) =>
    route.fulfill({ status: 200, contentType: 'application/javascript; charset=utf-8', body: bundle }),
  );

  const page = context.pages()[0] || (await context.newPage());
  page.on('pageerror', (e) => settle({ ok: false, reason: `page error: ${e.message}` }));
  page.on('crash', () => settle({ ok: false, reason: 'page crashed' }));
  page.on('console', (m) => {
    // Failed loads and the like: worth seeing next to a failure.
    if (m.type() === 'error' || m.type() === 'warning') step(`console ${m.type()}: ${m.text()}`);
    else trace(`console ${m.type()}: ${m.text()}`);
  });
  if (TRACE) {
    page.on('request', (r) => {
      const body = r.postData();
      trace(`> ${r.method()} ${r.url()}${body === null ? '' : ' ' + describe(body)}`);
    });
    page.on('response', (r) => trace(`< ${r.status()} ${r.url()} ${r.headers()['content-type'] || ''}`));
    page.on('requestfailed', (r) => trace(`x ${r.url()} ${r.failure() && r.failure().errorText}`));
    page.on('websocket', (ws) => {
      trace(`ws open ${ws.url()}`);
      ws.on('framesent', (f) => trace(`ws > ${describePayload(f.payload)}`));
      ws.on('framereceived', (f) => trace(`ws < ${describePayload(f.payload)}`));
      ws.on('close', () => trace('ws closed'));
    });
  }

  const url = `${baseUrl}${PAGE_PATH}?mode=${encodeURIComponent(mode)}${TRACE ? '&trace=1' : ''}`;
  step(`open ${url}`);
  await page.goto(url, { waitUntil: 'domcontentloaded', timeout: 10000 });

  const result = await verdict;
  if (!result || !result.ok) {
    throw new Error((result && result.reason) || `no result from the page (${describe(result)})`);
  }
}

main().then(
  () => run.end(true),
  (e) => fail(e && e.message ? e.message : String(e)),
);
