#!/usr/bin/env node
// The stock socket.io-client 0.9.16 in headless Chromium, forced onto one transport.
//
//   node tests/browser/v09-transports.js <baseUrl> <transport>
//
// Launches Debian's Chromium (/usr/bin/chromium) through playwright-core, serves the test
// page tests/browser/pages/v09.html at <baseUrl>/__test/v09.html (same origin as the
// server, through page.route()), and lets the page drive the server with the bundle that
// the server itself serves at /socket.io.js. The page connects, checks the transport in
// use, then: `echo` with an ack, a message echo, `ask` -> `question` (acked) -> `answer`,
// and the same echoes with text full of characters that break careless escaping.
//
// Prints `step ...` lines as it goes, then `ok <transport>` (exit 0) or
// `fail <transport>: <reason>` (exit 1), always after the browser is closed and its
// profile directory removed. V09_TRACE=1 adds `trace ...` lines: every request the page
// makes (with POST bodies) and every string a transport hands to the packet decoder.
'use strict';

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const TRANSPORTS = ['websocket', 'xhr-polling', 'jsonp-polling', 'htmlfile'];
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
const PAGE_FILE = path.join(__dirname, 'pages', 'v09.html');
const PAGE_PATH = '/__test/v09.html';
const TIMEOUT_MS = 30000;
const TRACE = process.env.V09_TRACE === '1';

const [baseUrlArg, transport] = process.argv.slice(2);

function out(line) {
  process.stdout.write(line + '\n');
}

if (!baseUrlArg || !TRANSPORTS.includes(transport)) {
  out(`fail ${transport || '?'}: usage: v09-transports.js <baseUrl> <${TRANSPORTS.join('|')}>`);
  process.exit(1);
}

const baseUrl = baseUrlArg.replace(/\/+$/, '');

// ---------------------------------------------------------------------------
// Bookkeeping: the process always ends through end(), which closes the browser and
// removes the profile directory before printing the verdict.

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
  out(ok ? `ok ${transport}` : `fail ${transport}: ${String(reason).replace(/\s*\n\s*/g, ' | ')}`);
  process.exit(ok ? 0 : 1);
}

function fail(reason) {
  return end(false, reason);
}

overall = setTimeout(
  () => fail(`timeout after ${TIMEOUT_MS} ms (at step "${currentStep}")`),
  TIMEOUT_MS,
);
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
  const html = fs.readFileSync(PAGE_FILE, 'utf8');

  // The page loads the server's own copy of the bundle; say so plainly when it is not there.
  const bundle = await fetch(`${baseUrl}/socket.io.js`).catch((e) => {
    throw new Error(`cannot GET ${baseUrl}/socket.io.js: ${e.cause ? e.cause.message : e.message}`);
  });
  const bundleText = await bundle.text();
  if (bundle.status !== 200 || !bundleText.includes('io.version')) {
    throw new Error(
      `GET ${baseUrl}/socket.io.js answered ${bundle.status} (${bundleText.length} bytes) instead of the 0.9 client bundle`,
    );
  }
  step('bundle served');

  userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'v09-chromium-'));
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
  await context.exposeFunction('__v09Step', (line) => step(String(line)));
  await context.exposeFunction('__v09Trace', (line) => trace(String(line)));
  await context.exposeFunction('__v09Done', (result) => settle(result));

  await context.route(`${baseUrl}${PAGE_PATH}*`, (route) =>
    route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: html }),
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
      ws.on('framesent', (f) => trace(`ws > ${describe(f.payload)}`));
      ws.on('framereceived', (f) => trace(`ws < ${describe(f.payload)}`));
      ws.on('close', () => trace('ws closed'));
    });
  }

  const url = `${baseUrl}${PAGE_PATH}?transport=${encodeURIComponent(transport)}${TRACE ? '&trace=1' : ''}`;
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
