#!/usr/bin/env node
// sockjs-client (npm, 1.6) in headless Chromium against the sockjs_echo example, one
// transport forced at a time.
//
//   node tests/browser/sockjs-transports.js <baseUrl> <transport>
//
// transport: websocket, xhr-streaming, xhr-polling, eventsource, iframe-htmlfile,
// iframe-xhr-polling, jsonp-polling (anything sockjs-client names). The page
// (tests/browser/pages/sockjs.html, served at <baseUrl>/__test/sockjs.html through
// page.route()) loads sockjs-client from the server's /sockjs.js. Prints `step ...` lines,
// then `ok <transport>` or `fail <transport>: <reason>`. SOCKJS_TRACE=1 adds every request
// and WebSocket frame.
'use strict';

const { describe, describePayload, startRun, playwrightChromium } = require('./harness');

const fs = require('node:fs');
const path = require('node:path');

const PAGE_FILE = path.join(__dirname, 'pages', 'sockjs.html');
const PAGE_PATH = '/__test/sockjs.html';
const TIMEOUT_MS = 40000;
const TRACE = process.env.SOCKJS_TRACE === '1';

const [baseUrlArg, mode] = process.argv.slice(2);
const run = startRun(mode || '?', { timeoutMs: TIMEOUT_MS, trace: TRACE });
const { step, trace, fail } = run;

async function main() {
  if (!baseUrlArg || !mode) throw new Error('usage: sockjs-transports.js <baseUrl> <transport>');
  const baseUrl = baseUrlArg.replace(/\/+$/, '');
  const chromium = playwrightChromium();
  const html = fs.readFileSync(PAGE_FILE, 'utf8');
  const context = await run.launch(chromium, 'sockjs-chromium-');
  step(`chromium ${context.browser() ? context.browser().version() : 'started'}`);

  let settle;
  const verdict = new Promise((resolve) => {
    settle = resolve;
  });
  await context.exposeFunction('__sjStep', (line) => step(String(line)));
  await context.exposeFunction('__sjDone', (result) => settle(result));
  await context.route(`${baseUrl}${PAGE_PATH}*`, (route) =>
    route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: html }),
  );

  const page = context.pages()[0] || (await context.newPage());
  page.on('pageerror', (e) => settle({ ok: false, reason: `page error: ${e.message}` }));
  page.on('crash', () => settle({ ok: false, reason: 'page crashed' }));
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') step(`console ${m.type()}: ${m.text()}`);
    else trace(`console ${m.type()}: ${m.text()}`);
  });
  if (TRACE) {
    context.on('request', (r) => {
      const body = r.postData();
      trace(`> ${r.method()} ${r.url()}${body === null ? '' : ' ' + describe(body)}`);
    });
    context.on('response', (r) => trace(`< ${r.status()} ${r.url()}`));
    context.on('requestfailed', (r) => trace(`x ${r.url()} ${r.failure() && r.failure().errorText}`));
    page.on('websocket', (ws) => {
      trace(`ws open ${ws.url()}`);
      ws.on('framesent', (f) => trace(`ws > ${describePayload(f.payload)}`));
      ws.on('framereceived', (f) => trace(`ws < ${describePayload(f.payload)}`));
    });
  }
  const url = `${baseUrl}${PAGE_PATH}?mode=${encodeURIComponent(mode)}`;
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
