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

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const MODES = ['polling', 'websocket', 'upgrade'];
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  // Chromium 156 blocks a page's requests and WebSockets to 127.0.0.1 otherwise.
  '--disable-features=LocalNetworkAccessChecks,LocalNetworkAccessChecksWebSockets',
];
const ROOT = path.join(__dirname, '..', '..');
const PAGE_FILE = path.join(__dirname, 'pages', 'v4.html');
const PAGE_PATH = '/__test/v4.html';
const BUNDLE_FILE = path.join(ROOT, 'node_modules', 'socket.io-client', 'dist', 'socket.io.min.js');
const BUNDLE_PATH = '/__test/socket.io.min.js';
const TIMEOUT_MS = 30000;
const TRACE = process.env.V4_TRACE === '1';

const [baseUrlArg, mode] = process.argv.slice(2);

function out(line) {
  process.stdout.write(line + '\n');
}

if (!baseUrlArg || !MODES.includes(mode)) {
  out(`fail ${mode || '?'}: usage: v4-transports.js <baseUrl> <${MODES.join('|')}>`);
  process.exit(1);
}

const baseUrl = baseUrlArg.replace(/\/+$/, '');

// ---------------------------------------------------------------------------
// Bookkeeping: the process always ends through end(), which closes the browser and removes
// the profile directory before printing the verdict.

let context = null;
let userDataDir = null;
let currentStep = 'start';
let ending = false;
let overall = null;

function step(name) {
  currentStep = name;
  out(`step ${name}`);
}

function trace(line) {
  if (TRACE) out(`trace ${line}`);
}

function withTimeout(promise, ms) {
  return Promise.race([promise, new Promise((resolve) => setTimeout(resolve, ms))]);
}

async function end(ok, reason) {
  if (ending) return;
  ending = true;
  clearTimeout(overall);
  if (context) {
    // A wedged browser must not keep us past the verdict.
    await withTimeout(context.close().catch(() => {}), 5000);
  }
  if (userDataDir) {
    try {
      fs.rmSync(userDataDir, { recursive: true, force: true });
    } catch (e) {
      out(`step could not remove ${userDataDir}: ${e.message}`);
    }
  }
  out(ok ? `ok ${mode}` : `fail ${mode}: ${String(reason).replace(/\s*\n\s*/g, ' | ')}`);
  process.exit(ok ? 0 : 1);
}

function fail(reason) {
  return end(false, reason);
}

overall = setTimeout(() => fail(`timeout after ${TIMEOUT_MS} ms (at step "${currentStep}")`), TIMEOUT_MS);
process.on('uncaughtException', (e) => fail(`uncaught exception: ${e && e.stack ? e.stack : e}`));
process.on('unhandledRejection', (e) => fail(`unhandled rejection: ${e && e.stack ? e.stack : e}`));
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => fail(`killed by ${signal}`));
}

// ---------------------------------------------------------------------------

function describe(v) {
  try {
    return JSON.stringify(v);
  } catch (e) {
    return String(v);
  }
}

// A WebSocket frame or POST body for a trace line: text as a JSON string, bytes as hex.
function describePayload(p) {
  if (typeof p === 'string') return describe(p);
  const bytes = Buffer.from(p);
  return `<binary ${bytes.length} bytes ${bytes.subarray(0, 48).toString('hex')}${bytes.length > 48 ? '…' : ''}>`;
}

async function main() {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(
      `${CHROMIUM} is missing: install Debian's chromium (apt-get update && apt-get install -y chromium)`,
    );
  }
  let chromium;
  try {
    ({ chromium } = require('playwright-core'));
  } catch (e) {
    throw new Error(
      `npm package playwright-core is missing (${e.code || e.message}): run \`npm ci --ignore-scripts\` at the repository root`,
    );
  }
  if (!fs.existsSync(BUNDLE_FILE)) {
    throw new Error(`${BUNDLE_FILE} is missing: run \`npm ci --ignore-scripts\` at the repository root`);
  }
  const html = fs.readFileSync(PAGE_FILE, 'utf8');
  const bundle = fs.readFileSync(BUNDLE_FILE, 'utf8');
  const version = JSON.parse(
    fs.readFileSync(path.join(ROOT, 'node_modules', 'socket.io-client', 'package.json'), 'utf8'),
  ).version;
  step(`bundle socket.io-client ${version} (${bundle.length} bytes)`);

  userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'v4-chromium-'));
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    timeout: 15000,
  });
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
  () => end(true),
  (e) => fail(e && e.message ? e.message : String(e)),
);
