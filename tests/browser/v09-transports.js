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

const { out, describe, describePayload, startRun, playwrightChromium } = require('./harness');

const fs = require('node:fs');
const path = require('node:path');

const TRANSPORTS = ['websocket', 'xhr-polling', 'jsonp-polling', 'htmlfile'];
const PAGE_FILE = path.join(__dirname, 'pages', 'v09.html');
const PAGE_PATH = '/__test/v09.html';
const TIMEOUT_MS = 30000;
const TRACE = process.env.V09_TRACE === '1';

const [baseUrlArg, transport] = process.argv.slice(2);

if (!baseUrlArg || !TRANSPORTS.includes(transport)) {
  out(`fail ${transport || '?'}: usage: v09-transports.js <baseUrl> <${TRANSPORTS.join('|')}>`);
  process.exit(1);
}

const baseUrl = baseUrlArg.replace(/\/+$/, '');

// ---------------------------------------------------------------------------
// Bookkeeping: the process always ends through end(), which closes the browser and
// removes the profile directory before printing the verdict.

const run = startRun(transport, { timeoutMs: TIMEOUT_MS, trace: TRACE });
const { step, trace, fail } = run;

// ---------------------------------------------------------------------------

async function main() {
  const chromium = playwrightChromium();
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

  const context = await run.launch(chromium, 'v09-chromium-');
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
  () => run.end(true),
  (e) => fail(e && e.message ? e.message : String(e)),
);
