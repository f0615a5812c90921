#!/usr/bin/env node
// The chat demo's page (examples/chat/web, served by the chat example at `/`) recovers from
// a dropped connection in headless Chromium (connection state recovery, which the demo
// binary turns on).
//
//   node tests/browser/chat-recovery.js <baseUrl> websocket|polling
//
// Pages A (alice) and B (bob) pick nicknames in room `rust` and exchange a line. A's engine
// connection is closed (`chat.io.engine.close()`, a network switch; its reconnection waits
// 3 s), and B says two lines while A is away. A comes back with the page showing the
// recovery (`#connection[data-recovered=true]`, the status line), the same nickname and
// room, both lines once and in order, and both names online; A's next line reaches B.
//
// Prints `step ...` lines, then `ok <mode>` (exit 0) or `fail <mode>: <reason>` (exit 1).
'use strict';

const { describe, startRun, playwrightChromium } = require('./harness');

const STEP_MS = 15000;
const [baseUrlArg, mode] = process.argv.slice(2);
const baseUrl = (baseUrlArg || '').replace(/\/+$/, '');
const run = startRun(mode || '?', { timeoutMs: 60000, trace: false });
const { step, fail } = run;

async function until(user, what, fn, arg) {
  step(`${user.name}: wait for ${what}`);
  try {
    await user.frame.waitForFunction(fn, arg, { timeout: STEP_MS, polling: 50 });
  } catch (e) {
    const seen = await user.frame
      .evaluate(() => ({
        status: document.getElementById('status').textContent,
        log: Array.from(document.querySelectorAll('#log li'), (li) => li.textContent.trim()).slice(-10),
      }))
      .catch((err) => err.message);
    throw new Error(`${user.name}: no ${what} within ${STEP_MS} ms; the page shows ${describe(seen)}`);
  }
}

async function act(user, what, action) {
  step(`${user.name}: ${what}`);
  await user.page.bringToFront();
  await action(user.frame);
}

async function open(context, name) {
  const page = await context.newPage();
  page.on('pageerror', (e) => fail(`${name}: page error: ${e.message}`));
  await page.goto(`${baseUrl}/?transport=${mode}`, { waitUntil: 'domcontentloaded', timeout: STEP_MS });
  const user = { name, page, frame: page.mainFrame() };
  await until(user, 'a connection', () => window.chatDemo && window.chatDemo.chat.connected);
  await act(user, `nickname ${name} in #rust`, async (f) => {
    await f.fill('#nick', name);
    await f.fill('#start-room', 'rust');
    await f.click('#nick-submit');
  });
  await until(user, 'the room rust', () => document.getElementById('room-view').dataset.room === 'rust');
  return user;
}

async function say(user, text) {
  await act(user, `say ${describe(text)}`, async (f) => {
    await f.fill('#msg', text);
    await f.click('#msg-submit');
  });
}

// How many lines of `from` saying `text` the page shows.
const lines = (user, from, text) =>
  user.frame.evaluate(
    ([f, t]) =>
      Array.from(document.querySelectorAll('#log li.msg')).filter(
        (li) => li.dataset.from === f && li.querySelector('.text').textContent === t,
      ).length,
    [from, text],
  );

async function sees(user, from, text) {
  await until(
    user,
    `${from}'s line ${describe(text)}`,
    ([f, t]) =>
      Array.from(document.querySelectorAll('#log li.msg')).some(
        (li) => li.dataset.from === f && li.querySelector('.text').textContent === t,
      ),
    [from, text],
  );
}

async function main() {
  if (!['websocket', 'polling'].includes(mode)) throw new Error('usage: chat-recovery.js <baseUrl> websocket|polling');
  const chromium = playwrightChromium();
  const context = await run.launch(chromium, 'chat-recovery-');
  const a = await open(context, 'alice');
  const b = await open(context, 'bob');
  await say(b, 'before');
  await sees(a, 'bob', 'before');

  step('alice: the connection drops');
  await a.frame.evaluate(() => {
    const manager = window.chatDemo.chat.io;
    manager.reconnectionDelay(3000);
    manager.reconnectionDelayMax(3000);
    setTimeout(() => manager.engine.close(), 0);
  });
  await until(a, 'the disconnection', () => !window.chatDemo.chat.connected);
  const away = ['said while alice was away', 'and a second line'];
  for (const text of away) {
    await say(b, text);
    await sees(b, 'bob', text);
  }
  if (await a.frame.evaluate(() => window.chatDemo.chat.connected)) {
    throw new Error('alice came back before bob spoke: nothing was missed');
  }
  await until(a, 'the recovered reconnection', () => document.getElementById('connection').dataset.recovered === 'true');
  const status = await a.frame.evaluate(() => document.getElementById('status').textContent);
  if (!/recovered/.test(status)) throw new Error(`alice's status says ${describe(status)}`);
  step(`alice: ${status}`);
  for (const text of away) await sees(a, 'bob', text);
  const order = await a.frame.evaluate(() =>
    Array.from(document.querySelectorAll('#log li.msg .text'), (t) => t.textContent),
  );
  const want = ['before', ...away];
  if (describe(order.filter((t) => want.includes(t))) !== describe(want)) {
    throw new Error(`alice's log: ${describe(order)}`);
  }
  for (const text of want) {
    const n = await lines(a, 'bob', text);
    if (n !== 1) throw new Error(`alice shows ${describe(text)} ${n} times`);
  }
  const [me, room] = await a.frame.evaluate(() => [
    document.getElementById('me').textContent,
    document.getElementById('room-view').dataset.room,
  ]);
  if (me !== 'alice' || room !== 'rust') throw new Error(`alice is ${describe(me)} in ${describe(room)}`);
  for (const user of [a, b]) {
    await until(
      user,
      'both online',
      () => Array.from(document.querySelectorAll('#online li'), (li) => li.dataset.nick).sort().join() === 'alice,bob',
    );
  }
  await say(a, 'back');
  await sees(b, 'alice', 'back');
}

main().then(
  () => run.end(true),
  (e) => fail(e && e.message ? e.message : String(e)),
);
