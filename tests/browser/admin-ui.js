#!/usr/bin/env node
// The official Socket.IO Admin UI (`@socket.io/admin-ui` 0.5.1's `ui/dist`, served by the chat
// demo at /admin-ui/) in headless Chromium, watching the chat demo while two of its pages chat.
//
//   node tests/browser/admin-ui.js <baseUrl> <none|basic|readonly> [password]
//   node tests/browser/admin-ui.js <baseUrl> screenshot <out.png>
//
// Pages A (alice) and B (bob) take a nickname in the room `rust` over websocket. The UI page
// (every request off 127.0.0.1 aborted: it must work offline) connects to the namespace
// `/socketio-admin`: with `none` and `readonly` straight from its stored settings; with
// `basic` its login form refuses a wrong password ("Invalid credentials") and accepts the
// right one. Then, in the UI's own views: the Sockets view of `/chat` lists A's and B's
// socket ids with their transport; the Rooms view lists `rust`; B joins `go` and the Rooms
// view lists it; A joins `go` too and says something: the Events view shows `user message`
// received from A and `msg_to_room` sent to B. Last,
// the Sockets view's disconnect button on B's row disconnects B's page (B's client hears
// `io server disconnect`, B's row goes); read-only, the row has no such button.
//
// `screenshot`: the same until the events, then the UI's Events view as a PNG.
//
// Prints `step ...` lines, then `ok <mode>` or `fail <mode>: <reason>`, after the browser is
// closed. ADMIN_UI_TRACE=1 adds `trace ...` lines.
'use strict';

const { out, startRun, playwrightChromium } = require('./harness');

const fs = require('node:fs');
const path = require('node:path');

const MODES = ['none', 'basic', 'readonly', 'screenshot'];
const TIMEOUT_MS = 40000;
const STEP_MS = 10000;
const NAMESPACE = '/socketio-admin';

const [baseUrlArg, mode, extra] = process.argv.slice(2);
if (!baseUrlArg || !MODES.includes(mode) || ((mode === 'basic' || mode === 'screenshot') && !extra)) {
  out(`fail ${mode || '?'}: usage: admin-ui.js <baseUrl> <none|readonly> | <baseUrl> basic <password> | <baseUrl> screenshot <out.png>`);
  process.exit(1);
}
const baseUrl = baseUrlArg.replace(/\/+$/, '');
const run = startRun(mode, { timeoutMs: TIMEOUT_MS, trace: process.env.ADMIN_UI_TRACE === '1' });
const { step, trace, fail } = run;

let broken = null;

function watch(page, who) {
  page.on('pageerror', (e) => {
    broken = broken || `${who}: page error: ${e.message}`;
  });
  page.on('crash', () => {
    broken = broken || `${who}: page crashed`;
  });
  page.on('console', (m) => trace(`${who} console ${m.type()}: ${m.text()}`));
}

async function until(page, what, fn, arg) {
  step(`wait: ${what}`);
  try {
    await page.waitForFunction(fn, arg, { timeout: STEP_MS, polling: 100 });
  } catch (e) {
    const text = await page
      .evaluate(() => document.body.innerText.replace(/\s+/g, ' ').slice(0, 600))
      .catch(() => '?');
    throw new Error(`${what}: not within ${STEP_MS} ms; the page shows: ${text}`);
  }
  if (broken) throw new Error(broken);
}

// A chat page with a nickname in room `rust`, over websocket.
async function chatter(context, name) {
  const page = await context.newPage();
  watch(page, name);
  await page.goto(`${baseUrl}/?transport=websocket`, { waitUntil: 'load', timeout: STEP_MS });
  await until(page, `${name} connected`, () => window.chatDemo && window.chatDemo.chat.connected);
  await page.fill('#nick', name);
  await page.fill('#start-room', 'rust');
  await page.click('#nick-submit');
  await until(page, `${name} in #rust`, () => document.getElementById('room-view').dataset.room === 'rust');
  const id = await page.evaluate(() => window.chatDemo.chat.id);
  return { name, page, id };
}

// The UI page, connected.
async function adminPage(context) {
  const page = await context.newPage();
  watch(page, 'admin');
  await page.setViewportSize({ width: 1280, height: 760 });
  // Its stored settings: this server and namespace (it then connects on load).
  await page.addInitScript(
    ([url, nsp]) => {
      if (!localStorage.getItem('server_url')) {
        localStorage.setItem('server_url', url);
        localStorage.setItem('namespace', nsp);
      }
    },
    [baseUrl, NAMESPACE],
  );
  await page.goto(`${baseUrl}/admin-ui/`, { waitUntil: 'load', timeout: STEP_MS });
  const connected = () => {
    const app = document.getElementById('app');
    return !!(app && app.__vue__ && app.__vue__.$store.state.connection.connected);
  };
  if (mode === 'basic') {
    // The anonymous attempt is refused: the login form shows.
    await until(page, 'the login form', () => document.body.innerText.includes('Invalid credentials'));
    step('login with a wrong password');
    await page.getByLabel('Username').fill('admin');
    await page.getByLabel('Password').fill(`${extra}-wrong`);
    await page.getByRole('button', { name: 'Connect' }).click();
    await page.waitForTimeout(1500);
    if (await page.evaluate(connected)) throw new Error('a wrong password was accepted');
    await until(page, 'still refused', () => document.body.innerText.includes('Invalid credentials'));
    step('login with the right password');
    await page.getByLabel('Password').fill(extra);
    await page.getByRole('button', { name: 'Connect' }).click();
  }
  await until(page, 'the UI connected', connected);
  return page;
}

// Goes to one of the UI's views (its hash router) and waits until it is rendered.
async function view(page, hash, what) {
  step(`view ${what}`);
  await page.goto(`${baseUrl}/admin-ui/#${hash}`, { waitUntil: 'load', timeout: STEP_MS });
  await until(
    page,
    `the ${what} view`,
    ([h, title]) => {
      const app = document.getElementById('app');
      const crumb = document.querySelector('.v-breadcrumbs');
      return app && app.__vue__ && app.__vue__.$route.path === h && crumb && crumb.innerText.includes(title);
    },
    [hash, what],
  );
}

// Picks `/chat` in the view's namespace selector.
async function selectChat(page) {
  step('select /chat');
  await page.locator('.v-card .v-select').first().click();
  await page.locator('.menuable__content__active .v-list-item', { hasText: /^\s*\/chat\s*$/ }).click();
}

async function scenario(context) {
  const alice = await chatter(context, 'alice');
  const bob = await chatter(context, 'bob');
  const admin = await adminPage(context);

  await view(admin, '/sockets/', 'Sockets');
  await selectChat(admin);
  await until(
    admin,
    'both chat sockets listed, on websocket',
    (ids) =>
      ids.every((id) => Array.from(document.querySelectorAll('tbody tr')).some((tr) => tr.innerText.includes(id) && /websocket/i.test(tr.innerText))),
    [alice.id, bob.id],
  );

  await view(admin, '/rooms/', 'Rooms');
  await until(admin, 'the room rust', () => Array.from(document.querySelectorAll('tbody tr td:first-child')).some((td) => td.innerText.trim() === 'rust'));
  step('bob joins #go');
  await bob.page.bringToFront();
  await bob.page.fill('#room', 'go');
  await bob.page.click('#room-submit');
  await admin.bringToFront();
  await until(admin, 'the room go', () => Array.from(document.querySelectorAll('tbody tr td:first-child')).some((td) => td.innerText.trim() === 'go'));

  step('alice joins #go and says hello');
  await alice.page.bringToFront();
  await alice.page.fill('#room', 'go');
  await alice.page.click('#room-submit');
  await until(alice.page, 'alice in #go', () => document.getElementById('room-view').dataset.room === 'go');
  await alice.page.fill('#msg', 'hello from alice');
  await alice.page.click('#msg-submit');
  await admin.bringToFront();
  await view(admin, '/events/', 'Events');
  await until(admin, 'the event "user message" received', () => Array.from(document.querySelectorAll('tbody tr')).some((tr) => /Event received/.test(tr.innerText) && tr.querySelector('code') && tr.querySelector('code').innerText === 'user message'));
  await until(admin, 'the event "msg_to_room" sent', () => Array.from(document.querySelectorAll('tbody tr')).some((tr) => /Event sent/.test(tr.innerText) && tr.querySelector('code') && tr.querySelector('code').innerText === 'msg_to_room'));
  if (mode === 'screenshot') {
    await admin.mouse.move(0, 0);
    fs.mkdirSync(path.dirname(path.resolve(extra)), { recursive: true });
    await admin.screenshot({ path: extra });
    step(`wrote ${extra}`);
    return;
  }

  await view(admin, '/sockets/', 'Sockets');
  await until(
    admin,
    "bob's row",
    (id) => Array.from(document.querySelectorAll('tbody tr')).some((tr) => tr.innerText.includes(id) && /websocket/i.test(tr.innerText)),
    bob.id,
  );
  const row = admin.locator('tbody tr', { hasText: bob.id });
  const buttons = await row.locator('button').count();
  if (mode === 'readonly') {
    if (buttons !== 0) throw new Error(`read-only, yet bob's row has ${buttons} button(s)`);
    step('read-only: no disconnect button');
    if (!(await bob.page.evaluate(() => window.chatDemo.chat.connected))) throw new Error('bob disconnected');
    return;
  }
  if (buttons !== 1) throw new Error(`bob's row has ${buttons} buttons, want the disconnect one: ${await row.first().innerHTML()} (${await row.count()} rows)`);
  await bob.page.evaluate(() => {
    window.__gone = null;
    window.chatDemo.chat.on('disconnect', (reason) => (window.__gone = reason));
  });
  step("click disconnect on bob's row");
  await row.locator('button').click();
  await until(bob.page, "bob's page disconnected by the server", () => window.__gone === 'io server disconnect');
  // The click also opens the row's details (the table's row click), where the socket shows
  // as disconnected; the Sockets view drops it.
  await until(admin, 'the socket shown disconnected', () => /Status\s*DISCONNECTED/.test(document.body.innerText));
  await view(admin, '/sockets/', 'Sockets');
  await until(
    admin,
    "bob's row gone, alice's there",
    ([a, b]) => {
      const rows = Array.from(document.querySelectorAll('tbody tr'), (tr) => tr.innerText);
      return rows.some((r) => r.includes(a)) && !rows.some((r) => r.includes(b));
    },
    [alice.id, bob.id],
  );
  if (!(await alice.page.evaluate(() => window.chatDemo.chat.connected))) throw new Error('alice disconnected too');
}

async function main() {
  const chromium = playwrightChromium();
  for (const file of ['/app.js', '/admin-ui/']) {
    const res = await fetch(baseUrl + file);
    if (res.status !== 200) throw new Error(`GET ${baseUrl}${file} answered ${res.status}`);
  }
  const context = await run.launch(chromium, 'admin-ui-chromium-');
  // Offline: the UI's Google Fonts and icon font requests are aborted.
  await context.route('**/*', (route) => {
    const url = new URL(route.request().url());
    if (url.hostname === '127.0.0.1') route.continue();
    else route.abort();
  });
  step(`chromium ${context.browser() ? context.browser().version() : 'started'}`);
  await scenario(context);
}

main().then(
  () => run.end(true),
  (e) => fail(e && e.message ? e.message : String(e)),
);
