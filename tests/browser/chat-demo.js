#!/usr/bin/env node
// The chat demo's own TypeScript client (examples/chat/web, bundled by esbuild and served by
// the chat example at `/`) in headless Chromium: two pages chat through the server.
//
//   node tests/browser/chat-demo.js <baseUrl> <mode>
//   node tests/browser/chat-demo.js <baseUrl> screenshot <out.png>
//
// mode: `websocket` or `polling` (the page forces it with `?transport=<mode>`), or `upgrade`
// (no query: the client's default polling -> websocket upgrade). Each page's client must be
// on the expected Engine.IO transport (read from `chatDemo.chat.io.engine.transport.name`
// in the page, and from the server through the admin panel's `whoami`), so that a client
// that ignores the choice fails.
//
// Scenario (websocket, polling, upgrade), pages A (alice) and B (bob) in one Chromium: both pick a nickname and join the
// room `rust`; both online lists show both; A's message shows in B's log (and, as its own,
// in A's); B answers; A's round-trip check (the server pings the page) answers `ok`; both
// log in to the admin panel, A's notice reaches B, `whoami` names the transport; A renames
// itself `alicia` and both online lists follow; B's page is closed and A's online list
// drops bob.
//
// `legacy`: A on this client (default transports), B on the old 0.9 page at /legacy (its
// default transport, websocket): they see each other online and each other's messages, and
// A sees B leave.
//
// `screenshot` puts two users side by side (two iframes on a page served through
// page.route() on the server's origin), lets them talk and writes a PNG (docs/chat-demo.png).
//
// Prints `step ...` lines as it goes, then `ok <mode>` (exit 0) or `fail <mode>: <reason>`
// (exit 1), always after the browser is closed and its profile directory removed.
// CHAT_TRACE=1 adds `trace ...` lines (requests, WebSocket frames, console).
'use strict';

const { out, describe, describePayload, startRun, playwrightChromium } = require('./harness');

const fs = require('node:fs');
const path = require('node:path');

const MODES = ['websocket', 'polling', 'upgrade', 'legacy', 'screenshot'];
const TIMEOUT_MS = 30000;
const STEP_MS = 10000;
const PASSWORD = process.env.ADMIN_PASSWORD || 'secret';
const TRACE = process.env.CHAT_TRACE === '1';

const [baseUrlArg, mode, shotArg] = process.argv.slice(2);

if (!baseUrlArg || !MODES.includes(mode) || (mode === 'screenshot' && !shotArg)) {
  out(
    `fail ${mode || '?'}: usage: chat-demo.js <baseUrl> <websocket|polling|upgrade|legacy> | chat-demo.js <baseUrl> screenshot <out.png>`,
  );
  process.exit(1);
}

const baseUrl = baseUrlArg.replace(/\/+$/, '');
const run = startRun(mode, { timeoutMs: TIMEOUT_MS, trace: TRACE });
const { step, trace, fail } = run;

// ---------------------------------------------------------------------------
// Watching a page (or a frame's page) for trouble.

let broken = null;

// What each page's Engine.IO traffic was, seen from outside the page: long polls and
// WebSockets to /socket.io/.
const traffic = new Map();

function watch(page, who) {
  const seen = { polls: 0, websockets: 0 };
  traffic.set(who, seen);
  page.on('request', (r) => {
    if (/\/socket\.io\/\?.*transport=polling/.test(r.url())) seen.polls += 1;
  });
  page.on('websocket', (ws) => {
    if (/\/socket\.io\/\?.*transport=websocket/.test(ws.url())) seen.websockets += 1;
  });
  page.on('pageerror', (e) => {
    broken = broken || `${who}: page error: ${e.message}`;
  });
  page.on('crash', () => {
    broken = broken || `${who}: page crashed`;
  });
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') step(`${who} console ${m.type()}: ${m.text()}`);
    else trace(`${who} console ${m.type()}: ${m.text()}`);
  });
  if (TRACE) {
    page.on('request', (r) => {
      const body = r.postData();
      trace(`${who} > ${r.method()} ${r.url()}${body === null ? '' : ' ' + describe(body)}`);
    });
    page.on('response', (r) => trace(`${who} < ${r.status()} ${r.url()}`));
    page.on('requestfailed', (r) => trace(`${who} x ${r.url()} ${r.failure() && r.failure().errorText}`));
    page.on('websocket', (ws) => {
      trace(`${who} ws open ${ws.url()}`);
      ws.on('framesent', (f) => trace(`${who} ws > ${describePayload(f.payload)}`));
      ws.on('framereceived', (f) => trace(`${who} ws < ${describePayload(f.payload)}`));
    });
  }
}

// What a page shows, for failure messages.
async function snapshot(frame) {
  return frame
    .evaluate(() => {
      const text = (sel) => Array.from(document.querySelectorAll(sel), (e) => e.textContent.trim());
      return {
        transport: window.chatDemo ? window.chatDemo.transport() : '(no client)',
        status: text('#status').join(''),
        online: text('#online li .name'),
        log: text('#log li').slice(-8),
        admin: text('#admin-log li').slice(0, 4),
      };
    })
    .catch((e) => `(page unreadable: ${e.message})`);
}

// Waits for `fn(arg)` to be true in the page; on timeout, fails with what the page shows.
async function until(user, what, fn, arg) {
  step(`${user.name}: wait for ${what}`);
  try {
    await user.frame.waitForFunction(fn, arg, { timeout: STEP_MS, polling: 50 });
  } catch (e) {
    if (broken) throw new Error(broken);
    throw new Error(`${user.name}: no ${what} within ${STEP_MS} ms; the page shows ${describe(await snapshot(user.frame))}`);
  }
  if (broken) throw new Error(broken);
}

// ---------------------------------------------------------------------------
// What a user does, through the page's own forms. A page in the background gets no animation
// frames (Playwright's clicks wait for them): each action brings its page to the front.

async function act(user, what, action) {
  step(`${user.name}: ${what}`);
  await user.page.bringToFront();
  await action(user.frame);
}

async function connected(user) {
  await until(user, 'a connection', () => window.chatDemo && window.chatDemo.chat.connected);
}

// `how`: `start` names the room next to the nickname; `switch` enters the default room
// (lobby) and then joins `room` through the room bar.
async function enter(user, room, how) {
  const first = how === 'start' ? room : 'lobby';
  await act(user, `nickname ${user.name} in #${first}`, async (f) => {
    await f.fill('#nick', user.name);
    if (how === 'start') await f.fill('#start-room', room);
    await f.click('#nick-submit');
  });
  await until(user, 'the room view', () => !document.getElementById('room-view').hidden);
  await until(user, `the room ${first}`, (r) => document.getElementById('room-view').dataset.room === r, first);
  if (how === 'switch') {
    await act(user, `join #${room}`, async (f) => {
      await f.fill('#room', room);
      await f.click('#room-submit');
    });
    await until(user, `the room ${room}`, (r) => document.getElementById('room-view').dataset.room === r, room);
  }
}

async function say(user, text) {
  await act(user, `say ${describe(text)}`, async (f) => {
    await f.fill('#msg', text);
    await f.click('#msg-submit');
  });
}

async function sees(user, from, text, mine) {
  await until(
    user,
    `${from}'s line ${describe(text)}${mine ? ' (own)' : ''}`,
    ([f, t, m]) =>
      Array.from(document.querySelectorAll('#log li.msg')).some(
        (li) => li.dataset.from === f && li.querySelector('.text').textContent === t && li.classList.contains('mine') === m,
      ),
    [from, text, mine],
  );
}

async function online(user, names) {
  const want = [...names].sort();
  await until(
    user,
    `online list ${describe(want)}`,
    (w) => JSON.stringify(Array.from(document.querySelectorAll('#online li'), (li) => li.dataset.nick).sort()) === JSON.stringify(w),
    want,
  );
}

// The transport the page's client is on must be the one the mode asks for.
async function onTransport(user) {
  const expected = mode === 'polling' ? 'polling' : 'websocket';
  if (mode === 'upgrade') {
    await until(user, 'the upgrade to websocket', () => window.chatDemo.transport() === 'websocket');
  }
  const [actual, shown] = await user.frame.evaluate(() => [
    window.chatDemo.chat.io.engine.transport.name,
    document.getElementById('transport').textContent,
  ]);
  if (actual !== expected) throw new Error(`${user.name}: the client is on ${actual}, not ${expected}`);
  if (shown !== expected) throw new Error(`${user.name}: the page shows ${describe(shown)}, not ${expected}`);
  // A forced transport is the only one used, from the start; the upgrade uses both.
  const seen = traffic.get(user.name) || traffic.get('shot');
  const wrong =
    (mode === 'websocket' && (seen.polls > 0 || seen.websockets === 0)) ||
    (mode === 'polling' && (seen.websockets > 0 || seen.polls === 0)) ||
    (mode === 'upgrade' && (seen.websockets === 0 || seen.polls === 0));
  if (wrong) throw new Error(`${user.name}: in mode ${mode} the page made ${describe(seen)}`);
  step(`${user.name}: on ${actual} (${seen.polls} polling requests, ${seen.websockets} websockets)`);
}

async function adminLogin(user) {
  await act(user, 'admin login', async (f) => {
    await f.click('#admin summary');
    await f.fill('#admin-password', PASSWORD);
    await f.click('#admin-login-submit');
  });
  await until(user, 'the admin tools', () => !document.getElementById('admin-tools').hidden);
}

// ---------------------------------------------------------------------------

async function openUser(context, name) {
  const page = await context.newPage();
  watch(page, name);
  const query = mode === 'polling' || mode === 'websocket' ? `?transport=${mode}` : '';
  const url = `${baseUrl}/${query}`;
  step(`${name}: open ${url}`);
  await page.goto(url, { waitUntil: 'domcontentloaded', timeout: STEP_MS });
  return { name, page, frame: page.mainFrame() };
}

async function scenario(context) {
  const a = await openUser(context, 'alice');
  const b = await openUser(context, 'bob');
  for (const u of [a, b]) await connected(u);
  for (const u of [a, b]) await onTransport(u);

  await enter(a, 'rust', 'start');
  await enter(b, 'rust', 'switch');
  await online(a, ['alice', 'bob']);
  await online(b, ['alice', 'bob']);

  const hello = 'hello from alice: <b>not bold</b> & "quoted"';
  await say(a, hello);
  await sees(b, 'alice', hello, false);
  await sees(a, 'alice', hello, true);
  await say(b, 'hi alice');
  await sees(a, 'bob', 'hi alice', false);

  await act(a, 'round-trip check', (f) => f.click('#check'));
  await until(a, 'the round trip answer ok', () => /^round trip: ok\b/.test(document.getElementById('status').textContent));

  await adminLogin(a);
  await adminLogin(b);
  await act(a, 'admin notice', async (f) => {
    await f.fill('#admin-text', 'hello admins');
    await f.click('#admin-broadcast-submit');
  });
  await until(b, 'the admin notice', () =>
    Array.from(document.querySelectorAll('#admin-log li')).some((li) => li.textContent === 'notice: hello admins'),
  );
  // The server's view of the transport (between two polls a polling socket has none open).
  await act(a, 'whoami', (f) => f.click('#admin-whoami'));
  await until(a, 'the whoami answer', () => document.getElementById('admin-log').dataset.transport !== undefined);
  const serverSees = await a.frame.evaluate(() => document.getElementById('admin-log').dataset.transport);
  const okServer = mode === 'polling' ? /^(polling|between polls)$/.test(serverSees) : serverSees === 'websocket';
  if (!okServer) throw new Error(`alice: the server sees transport ${describe(serverSees)} in mode ${mode}`);
  step(`alice: the server sees ${serverSees}`);

  for (const u of [a, b]) await onTransport(u);

  // A second nickname renames: both lists follow the one `user_renamed` event.
  await act(a, 'rename to alicia', async (f) => {
    await f.fill('#rename', 'alicia');
    await f.click('#rename-submit');
  });
  await until(a, 'the new nickname', () => document.getElementById('me').textContent === 'alicia');
  await online(a, ['alicia', 'bob']);
  await online(b, ['alicia', 'bob']);
  await until(b, "alice's rename", () =>
    Array.from(document.querySelectorAll('#log li.announcement')).some((li) => li.textContent === 'alice is now alicia'),
  );

  step('bob: close the page');
  await b.page.close();
  await online(a, ['alicia']);
  await until(a, "bob's departure", () =>
    Array.from(document.querySelectorAll('#log li.announcement')).some((li) => li.textContent === 'bob has disconnected'),
  );
  await onTransport(a);
}

// A user of the new client and one of the 0.9 page at /legacy, in the same room.
async function legacy(context) {
  const a = await openUser(context, 'alice');
  const page = await context.newPage();
  watch(page, 'bob');
  step(`bob: open ${baseUrl}/legacy`);
  await page.goto(`${baseUrl}/legacy`, { waitUntil: 'domcontentloaded', timeout: STEP_MS });
  const b = { name: 'bob', page, frame: page.mainFrame() };
  await connected(a);
  await until(b, 'a 0.9 connection', () => document.getElementById('status').textContent === 'connected');
  await enter(a, 'lobby', 'start');
  await act(b, 'nickname bob in #lobby', async (f) => {
    await f.fill('#nick', 'bob');
    await f.click('#nick-form button');
  });
  await until(b, 'the 0.9 chat view', () => !document.getElementById('chat').classList.contains('hidden'));
  await until(b, 'the 0.9 join', () => document.getElementById('log').textContent.includes('joined lobby'));
  await online(a, ['alice', 'bob']);
  await until(b, 'the 0.9 online list', () =>
    Array.from(document.querySelectorAll('#online li'), (li) => li.textContent).sort().join() === 'alice,bob',
  );
  await say(a, 'hello, 0.9');
  await until(b, "alice's line on the 0.9 page", () => document.getElementById('log').textContent.includes('alicehello, 0.9'));
  await act(b, 'say "hello, 4"', async (f) => {
    await f.fill('#msg', 'hello, 4');
    await f.click('#msg-form button');
  });
  await sees(a, 'bob', 'hello, 4', false);
  step('bob: close the page');
  await b.page.close();
  await online(a, ['alice']);
}

// Two users side by side, for the README.
async function screenshot(context, file) {
  const page = context.pages()[0] || (await context.newPage());
  watch(page, 'shot');
  await page.setViewportSize({ width: 1280, height: 720 });
  const frameHtml = (name) =>
    `<figure><figcaption>${name}</figcaption><iframe name="${name}" src="/"></iframe></figure>`;
  const html = `<!doctype html><meta charset="utf-8"><style>
      html, body { margin: 0; height: 100%; background: #d8dce2; font: 13px system-ui, sans-serif; }
      body { display: flex; gap: 14px; padding: 14px; box-sizing: border-box; }
      figure { flex: 1; margin: 0; display: flex; flex-direction: column; border-radius: 9px; overflow: hidden;
               box-shadow: 0 2px 10px rgba(0,0,0,.18); background: #fff; }
      figcaption { padding: 5px 12px; background: #e9ecef; color: #57606a; border-bottom: 1px solid #d0d7de; }
      iframe { flex: 1; border: 0; width: 100%; }
    </style>${frameHtml('alice')}${frameHtml('bob')}`;
  await context.route(`${baseUrl}/__shot/two.html`, (route) =>
    route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: html }),
  );
  await page.goto(`${baseUrl}/__shot/two.html`, { waitUntil: 'load', timeout: STEP_MS });
  const user = (name) => ({ name, page, frame: page.frame({ name }) });
  const a = user('alice');
  const b = user('bob');
  for (const u of [a, b]) await connected(u);
  await enter(a, 'rust', 'start');
  await enter(b, 'rust', 'start');
  await online(a, ['alice', 'bob']);
  await online(b, ['alice', 'bob']);
  const talk = [
    [a, 'Hi Bob! This server is Rust, this client is TypeScript.'],
    [b, 'And every event is typed on both sides: a misspelt one does not compile.'],
    [a, 'The old 0.9 client still works too, at /legacy.'],
    [b, 'Nice. See you in #rust.'],
  ];
  for (const [u, text] of talk) {
    await say(u, text);
    await sees(u === a ? b : a, u.name, text, false);
    await sees(u, u.name, text, true);
  }
  await onTransport(a);
  for (const u of [a, b]) await u.frame.evaluate(() => document.activeElement && document.activeElement.blur());
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  await page.screenshot({ path: file });
  step(`wrote ${file}`);
}

async function main() {
  const chromium = playwrightChromium();
  // The page needs its bundle: say so plainly when the server has none.
  const app = await fetch(`${baseUrl}/app.js`).catch((e) => {
    throw new Error(`cannot GET ${baseUrl}/app.js: ${e.cause ? e.cause.message : e.message}`);
  });
  if (app.status !== 200) throw new Error(`GET ${baseUrl}/app.js answered ${app.status}`);
  step('bundle served');

  const context = await run.launch(chromium, 'chat-demo-chromium-');
  step(`chromium ${context.browser() ? context.browser().version() : 'started'}`);
  if (mode === 'screenshot') await screenshot(context, shotArg);
  else if (mode === 'legacy') await legacy(context);
  else await scenario(context);
}

main().then(
  () => run.end(true),
  (e) => fail(e && e.message ? e.message : String(e)),
);
