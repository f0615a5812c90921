// What the Chromium drivers share: Debian's Chromium and its flags, and the bookkeeping that
// ends every run in one place (browser closed, profile directory removed, then the verdict
// `ok <label>` or `fail <label>: <reason>` and the exit code).
'use strict';

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

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

function out(line) {
  process.stdout.write(line + '\n');
}

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

function withTimeout(promise, ms) {
  return Promise.race([promise, new Promise((resolve) => setTimeout(resolve, ms))]);
}

// Starts the bookkeeping of a run: an overall timeout, and failure on an uncaught error or
// a signal. `trace` turns `trace …` lines on.
function startRun(label, { timeoutMs, trace }) {
  let context = null;
  let userDataDir = null;
  let currentStep = 'start';
  let ending = false;
  const run = {
    step(name) {
      currentStep = name;
      out(`step ${name}`);
    },
    trace(line) {
      if (trace) out(`trace ${line}`);
    },
    // Launches Chromium on a fresh profile directory, both cleaned up by `end`.
    async launch(chromium, prefix) {
      userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
      context = await chromium.launchPersistentContext(userDataDir, {
        executablePath: CHROMIUM,
        headless: true,
        args: CHROMIUM_ARGS,
        timeout: 15000,
      });
      return context;
    },
    async end(ok, reason) {
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
      out(ok ? `ok ${label}` : `fail ${label}: ${String(reason).replace(/\s*\n\s*/g, ' | ')}`);
      process.exit(ok ? 0 : 1);
    },
    fail(reason) {
      return run.end(false, reason);
    },
  };
  const overall = setTimeout(() => run.fail(`timeout after ${timeoutMs} ms (at step "${currentStep}")`), timeoutMs);
  process.on('uncaughtException', (e) => run.fail(`uncaught exception: ${e && e.stack ? e.stack : e}`));
  process.on('unhandledRejection', (e) => run.fail(`unhandled rejection: ${e && e.stack ? e.stack : e}`));
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.on(signal, () => run.fail(`killed by ${signal}`));
  }
  return run;
}

// playwright-core's Chromium launcher, after checking that Debian's chromium is installed;
// either missing thing fails with the command that installs it.
function playwrightChromium() {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(
      `${CHROMIUM} is missing: install Debian's chromium (apt-get update && apt-get install -y chromium)`,
    );
  }
  try {
    return require('playwright-core').chromium;
  } catch (e) {
    throw new Error(
      `npm package playwright-core is missing (${e.code || e.message}): run \`npm ci --ignore-scripts\` at the repository root`,
    );
  }
}

module.exports = { CHROMIUM, CHROMIUM_ARGS, out, describe, describePayload, startRun, playwrightChromium };
