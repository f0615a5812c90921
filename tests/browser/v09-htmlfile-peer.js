#!/usr/bin/env node
// A room member cannot break another member's htmlfile stream (issue 18): the stock
// socket.io-client 0.9.16 in headless Chromium joins the chat example's room `r` over
// htmlfile (through the `ActiveXObject('htmlfile')` stand-in of pages/v09.html), then a peer
// (socket.io-client 4 in Node, same room) says text that puts a careless `text/html` stream
// into another tokenizer state: `<!--<script>`, `</script>`, `<script>`, U+2028. Every line,
// and the plain one sent after them, must reach the page, in order, on the same stream.
//
//   node tests/browser/v09-htmlfile-peer.js <baseUrl> htmlfile|jsonp-polling
//
// jsonp-polling (`io.j[N]("…")` in a `<script src>`) gets the same lines, as a guard.
//
// Prints `step ...` lines, then `ok <mode>` (exit 0) or `fail <mode>: <reason>` (exit 1).
'use strict';

const { out, describe, startRun, playwrightChromium } = require('./harness');

const fs = require('node:fs');
const path = require('node:path');

const PAGE_PATH = '/__test/htmlfile-peer.html';
const TIMEOUT_MS = 30000;
const HOSTILE = ['<!--<script>', '</script>', '<script>', 'line\u2028sep\u2029end', '<!--', 'still here'];

const [baseUrlArg, mode] = process.argv.slice(2);
if (!baseUrlArg || !['htmlfile', 'jsonp-polling'].includes(mode)) {
  out(`fail ${mode || '?'}: usage: v09-htmlfile-peer.js <baseUrl> htmlfile|jsonp-polling`);
  process.exit(1);
}
const baseUrl = baseUrlArg.replace(/\/+$/, '');
const run = startRun(mode, { timeoutMs: TIMEOUT_MS, trace: false });
const { step, fail } = run;

// The ActiveXObject stand-in is the first script of pages/v09.html: one copy for both tests.
function standIn() {
  const page = fs.readFileSync(path.join(__dirname, 'pages', 'v09.html'), 'utf8');
  const found = /<script>([\s\S]*?)<\/script>/.exec(page);
  if (!found || !found[1].includes('ActiveXObject')) throw new Error('no ActiveXObject stand-in in pages/v09.html');
  return found[1];
}

// The victim's page: 0.9 over the mode's transport, nickname `victim`, room `r`; every
// `msg_to_room` line goes to the driver.
const PAGE_SCRIPT = `
(function () {
  'use strict';
  var transport = new URLSearchParams(location.search).get('transport');
  io.transports = [transport];
  var chat = io.connect(location.origin + '/chat', {
    transports: [transport], 'force new connection': true,
    'try multiple transports': false, reconnect: false,
  });
  chat.on('msg_to_room', function (line) { window.__heard(line.text); });
  chat.on('disconnect', function (r) { window.__fatal('disconnected: ' + r); });
  chat.on('error', function (e) { window.__fatal('error: ' + e); });
  chat.on('connect', function () {
    var used = chat.socket.transport && chat.socket.transport.name;
    if (used !== transport) return window.__fatal('transport ' + used);
    if (used === 'htmlfile' && !window.__htmlfileDocuments) return window.__fatal('stand-in unused');
    chat.emit('nickname', 'victim', function (ok) {
      chat.emit('join', 'r', function () { window.__ready(used); });
    });
  });
})();
`;

function page() {
  return `<!doctype html><html><head><meta charset="utf-8"><title>htmlfile peer</title></head><body>
<script>${standIn()}</script>
<script src="/socket.io.js"></script>
<script>${PAGE_SCRIPT}</script>
</body></html>`;
}

function withTimeout(promise, ms, what) {
  return Promise.race([
    promise,
    new Promise((_, reject) => setTimeout(() => reject(new Error(`no ${what} within ${ms} ms`)), ms)),
  ]);
}

async function main() {
  const chromium = playwrightChromium();
  let peerIo;
  try {
    peerIo = require('socket.io-client').io;
  } catch (e) {
    throw new Error(`npm package socket.io-client is missing (${e.code || e.message}): run npm ci --ignore-scripts`);
  }
  const html = page();
  const context = await run.launch(chromium, 'v09-htmlfile-peer-');

  const heard = [];
  let onHeard = () => {};
  let ready;
  const readyP = new Promise((resolve) => (ready = resolve));
  let fatal;
  const fatalP = new Promise((_, reject) => (fatal = reject));
  fatalP.catch(() => {});
  await context.exposeFunction('__heard', (text) => {
    heard.push(text);
    onHeard();
  });
  await context.exposeFunction('__ready', (t) => ready(t));
  await context.exposeFunction('__fatal', (why) => fatal(new Error(`page: ${why}`)));
  await context.route(`${baseUrl}${PAGE_PATH}*`, (route) =>
    route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: html }),
  );
  const page_ = context.pages()[0] || (await context.newPage());
  page_.on('pageerror', (e) => fatal(new Error(`page error: ${e.message}`)));
  page_.on('console', (m) => {
    if (m.type() === 'error') step(`console error: ${m.text()}`);
  });
  await page_.goto(`${baseUrl}${PAGE_PATH}?transport=${mode}`, { waitUntil: 'domcontentloaded', timeout: 10000 });
  const transport = await Promise.race([withTimeout(readyP, 10000, 'victim in room r'), fatalP]);
  step(`victim joined over ${transport}`);

  const peer = peerIo(`${baseUrl}/chat`, { transports: ['websocket'], forceNew: true, reconnection: false });
  const call = (...args) =>
    withTimeout(new Promise((resolve) => peer.emit(...args, (...answer) => resolve(answer))), 5000, `ack of ${args[0]}`);
  await withTimeout(new Promise((resolve) => peer.on('connect', resolve)), 5000, 'peer connect');
  await call('nickname', 'peer');
  await call('join', 'r');
  step('peer joined');
  for (const text of HOSTILE) {
    const [sent] = await call('user message', text);
    if (sent !== true) throw new Error(`user message ${describe(text)} not sent (${describe(sent)})`);
    step(`peer said ${describe(text)}`);
  }
  const all = new Promise((resolve) => {
    onHeard = () => heard.length >= HOSTILE.length && resolve();
    onHeard();
  });
  await Promise.race([withTimeout(all, 8000, `every line (heard ${describe(heard)})`), fatalP]).catch((e) => {
    throw new Error(`${e.message}; the victim heard ${describe(heard)} of ${describe(HOSTILE)}`);
  });
  if (describe(heard) !== describe(HOSTILE)) {
    throw new Error(`the victim heard ${describe(heard)}, expected ${describe(HOSTILE)}`);
  }
  step(`victim heard all ${heard.length} lines`);
  peer.close();
}

main().then(
  () => run.end(true),
  (e) => fail(e && e.message ? e.message : String(e)),
);
