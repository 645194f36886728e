// The three browser engines as this machine runs them, all from Debian,
// behind one interface:
//
//   const browser = await launch(engine);   // 'chromium' | 'firefox' | 'webkit'
//   browser.name, browser.version
//   const page = await browser.newPage();
//   await page.goto(url);
//   await page.evaluate(fn, arg);           // fn runs in the page; its result (JSON) returned
//   await page.waitFor(fn, timeoutMs);      // polls evaluate(fn) until truthy
//   page.errors                             // page errors seen (Chromium, Firefox)
//   await browser.close();
//
// - chromium: /usr/bin/chromium (or $CHROMIUM), driven by playwright-core, with
//   the flags that keep it off the network (this workplace has none).
// - firefox: /usr/bin/firefox-esr (or $FIREFOX), driven by puppeteer-core over
//   WebDriver BiDi (playwright needs its own patched Firefox).
// - webkit: WebKitGTK's MiniBrowser driven by /usr/bin/WebKitWebDriver (or
//   $WEBKIT_WEBDRIVER) over W3C WebDriver classic, plain HTTP calls. This
//   MiniBrowser (2.50) has no --headless: when DISPLAY is unset an Xvfb of our
//   own is started (-displayfd picks a free display) and stopped on close.
//
// `launch.engine()` is the engine named by $ENGINE (default chromium).
'use strict';
const path = require('path');
const fs = require('fs');
const net = require('net');
const { spawn } = require('child_process');

const MODULES = path.join(__dirname, '..', 'peers', 'node_modules');
const ENGINES = ['chromium', 'firefox', 'webkit'];
const MINIBROWSER = '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser';

function engine() {
  const e = process.env.ENGINE || 'chromium';
  if (!ENGINES.includes(e)) throw new Error(`ENGINE=${e}: one of ${ENGINES.join(', ')}`);
  return e;
}

async function waitFor(page, fn, timeoutMs) {
  const until = Date.now() + (timeoutMs || 10000);
  for (;;) {
    if (await page.evaluate(fn, null)) return;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${fn}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

// Playwright's own Browser on Debian's Chromium, for callers that need its
// whole API (contexts with a viewport, JavaScript off, screenshots: the
// report page's check).
function playwrightChromium() {
  const { chromium } = require(path.join(MODULES, 'playwright-core'));
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

async function chromium() {
  const b = await playwrightChromium();
  return {
    name: 'chromium',
    version: b.version(),
    async newPage() {
      const p = await b.newPage();
      const page = {
        errors: [],
        goto: (url) => p.goto(url),
        evaluate: (fn, arg) => p.evaluate(fn, arg),
        waitFor: (fn, t) => waitFor(page, fn, t),
      };
      p.on('pageerror', (e) => page.errors.push(String(e)));
      p.on('console', (m) => { if (m.type() === 'error') page.errors.push(m.text()); });
      return page;
    },
    close: () => b.close(),
  };
}

async function firefox() {
  const puppeteer = require(path.join(MODULES, 'puppeteer-core'));
  const b = await puppeteer.launch({
    browser: 'firefox',
    executablePath: process.env.FIREFOX || '/usr/bin/firefox-esr',
    headless: true,
    networkEnabled: false,
    // Off the network: no update checks, telemetry or captive-portal probes.
    extraPrefsFirefox: {
      'app.update.enabled': false,
      'network.captive-portal-service.enabled': false,
      'network.connectivity-service.enabled': false,
      'datareporting.policy.dataSubmissionEnabled': false,
      'toolkit.telemetry.enabled': false,
      'browser.safebrowsing.update.enabled': false,
      'network.http.http3.enable': false,
    },
  });
  const version = await b.version();
  return {
    name: 'firefox',
    version,
    async newPage() {
      const p = await b.newPage();
      const page = {
        errors: [],
        goto: (url) => p.goto(url),
        evaluate: (fn, arg) => p.evaluate(fn, arg),
        waitFor: (fn, t) => waitFor(page, fn, t),
      };
      p.on('pageerror', (e) => page.errors.push(String(e)));
      return page;
    },
    close: () => b.close(),
  };
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

// An Xvfb of our own; resolves with its display (":N") and the process.
function xvfb() {
  return new Promise((resolve, reject) => {
    const x = spawn('Xvfb', ['-displayfd', '3', '-nolisten', 'tcp', '-screen', '0', '1280x1024x24'],
      { stdio: ['ignore', 'ignore', 'pipe', 'pipe'] });
    let err = '';
    let out = '';
    x.stderr.on('data', (d) => { err += d; });
    x.on('error', (e) => reject(new Error(`Xvfb: ${e.message} (apt-get install xvfb)`)));
    x.on('exit', (code) => reject(new Error(`Xvfb exited with ${code}: ${err.slice(-500)}`)));
    x.stdio[3].on('data', (d) => {
      out += d;
      if (out.includes('\n')) resolve({ display: ':' + out.trim(), proc: x });
    });
  });
}

async function webkit() {
  const driverPath = process.env.WEBKIT_WEBDRIVER || '/usr/bin/WebKitWebDriver';
  const binary = process.env.WEBKIT_MINIBROWSER || MINIBROWSER;
  for (const f of [driverPath, binary]) {
    if (!fs.existsSync(f)) throw new Error(`${f} missing (apt-get install webkit2gtk-driver)`);
  }
  const env = Object.assign({}, process.env);
  let x = null;
  if (!env.DISPLAY && !env.WAYLAND_DISPLAY) {
    x = await xvfb();
    env.DISPLAY = x.display;
  }
  const port = await freePort();
  const driver = spawn(driverPath, [`--port=${port}`, '--host=127.0.0.1'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let driverErr = '';
  driver.stderr.on('data', (d) => { driverErr = (driverErr + d).slice(-2000); });
  const base = `http://127.0.0.1:${port}`;
  const stop = () => { driver.kill(); if (x) { x.proc.removeAllListeners('exit'); x.proc.kill(); } };
  async function call(method, p, body) {
    const r = await fetch(base + p, {
      method,
      headers: { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const v = await r.json();
    if (!r.ok) throw new Error(`WebKitWebDriver ${method} ${p}: ${JSON.stringify(v.value || v).slice(0, 500)}`);
    return v.value;
  }
  // The driver takes a moment to listen.
  let status = null;
  for (let i = 0; i < 100 && !status; i++) {
    status = await call('GET', '/status').catch(() => null);
    if (!status) await new Promise((r) => setTimeout(r, 50));
  }
  if (!status) { stop(); throw new Error(`WebKitWebDriver did not answer on ${base}: ${driverErr}`); }
  let session;
  try {
    session = await call('POST', '/session', {
      capabilities: { alwaysMatch: { 'webkitgtk:browserOptions': { binary, args: ['--automation'] } } },
    });
  } catch (e) {
    stop();
    throw new Error(`${e.message}; driver: ${driverErr}`);
  }
  const id = session.sessionId;
  await call('POST', `/session/${id}/timeouts`, { script: 600000, pageLoad: 60000 });
  let pages = 0;
  return {
    name: 'webkit',
    version: session.capabilities.browserVersion,
    async newPage() {
      // One WebDriver session is one top-level browsing context: a second
      // page is a new window.
      if (pages++ > 0) {
        const w = await call('POST', `/session/${id}/window/new`, { type: 'tab' });
        await call('POST', `/session/${id}/window`, { handle: w.handle });
      }
      const handle = await call('GET', `/session/${id}/window`);
      const focus = () => call('POST', `/session/${id}/window`, { handle });
      const page = {
        errors: [],
        async goto(url) { await focus(); await call('POST', `/session/${id}/url`, { url }); },
        async evaluate(fn, arg) {
          if (pages > 1) await focus();
          const script = `const done = arguments[arguments.length - 1];
            Promise.resolve().then(() => (${fn.toString()})(arguments[0]))
              .then((v) => done({ ok: true, v: v === undefined ? null : v }),
                    (e) => done({ ok: false, e: String(e && e.stack || e) }));`;
          const r = await call('POST', `/session/${id}/execute/async`, { script, args: [arg === undefined ? null : arg] });
          if (!r || !r.ok) throw new Error(`in the page: ${r ? r.e : 'no result'}`);
          return r.v;
        },
        waitFor: (fn, t) => waitFor(page, fn, t),
      };
      return page;
    },
    async close() {
      await call('DELETE', `/session/${id}`).catch(() => {});
      stop();
    },
  };
}

async function launch(name) {
  const e = name || engine();
  if (e === 'chromium') return chromium();
  if (e === 'firefox') return firefox();
  if (e === 'webkit') return webkit();
  throw new Error(`unknown engine ${e}: one of ${ENGINES.join(', ')}`);
}

module.exports = launch;
module.exports.launch = launch;
module.exports.engine = engine;
module.exports.ENGINES = ENGINES;
module.exports.playwrightChromium = playwrightChromium;
