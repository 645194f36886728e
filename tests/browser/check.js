// The browser side of the browser check. Reads items (a CORS configuration
// and a request each) from ITEMS_JSON, and for each: puts the configuration
// on the emulator, makes a page on another loopback origin issue the
// request with fetch(), and records what the browser did (allowed or
// blocked, readable response headers) and what went over the wire (through
// a recording proxy in front of the emulator: was a preflight sent, and the
// emulator's answers). Writes the results as JSON to stdout.
//
// Env: EMULATOR_PORT, ITEMS_JSON, ENGINE (chromium | firefox | webkit; see
// launch.js).
'use strict';
const fs = require('fs');
const launch = require('./launch.js');
const { emulator, putConfig, pageServer, recordingProxy } = require('./page_server.js');

async function main() {
  const items = JSON.parse(fs.readFileSync(process.env.ITEMS_JSON, 'utf8'));
  // The page's origin.
  const { server: page, origin } = await pageServer({ title: 'coscors browser check' });
  // The recording proxy in front of the emulator (the "bucket" origin);
  // an engine probe's path gets a fixed answer instead of the emulator's.
  const exchanges = new Map();
  const answers = new Map();
  const { server: proxy, port: proxyPort } = await recordingProxy({
    fixed: (req, key) => {
      const f = answers.get(key);
      if (!f) return null;
      const headers = (req.method === 'OPTIONS' ? f.preflight : f.actual)
        .map(([n, v]) => [n, v.split('{{ORIGIN}}').join(origin)]);
      const body = req.method === 'OPTIONS' || req.method === 'HEAD' ? '' : 'probe';
      headers.push(['Content-Length', String(body.length)]);
      return { status: 200, headers, body };
    },
    onExchange: ({ key, method, request, status, answer }) => {
      if (!exchanges.has(key)) exchanges.set(key, []);
      exchanges.get(key).push({ method, request, status, answer });
    },
  });
  const browser = await launch(launch.engine());
  const tab = await browser.newPage();
  await tab.goto(origin + '/');
  const results = [];
  for (const item of items) {
    if (item.answer) {
      answers.set(`/bcheck/${item.n}`, item.answer);
    } else if (item.config === null) {
      await emulator('DELETE', '/?cors', {});
    } else {
      const r = await putConfig(item.config.split('{{ORIGIN}}').join(origin));
      if (r.status !== 200) await emulator('DELETE', '/?cors', {});
    }
    const key = `/bcheck/${item.n}`;
    const url = `http://127.0.0.1:${proxyPort}${key}`;
    const outcome = await tab.evaluate(async ({ url, method, headers, credentials }) => {
      try {
        const init = { method, headers, credentials, mode: 'cors', cache: 'no-store' };
        const upper = method.toUpperCase();
        if (upper !== 'GET' && upper !== 'HEAD') init.body = 'x';
        const r = await fetch(url, init);
        const names = [];
        r.headers.forEach((v, k) => names.push(k));
        return { allowed: true, status: r.status, readable: names };
      } catch (e) {
        return { allowed: false, error: String(e) };
      }
    }, { url, method: item.method, headers: Object.fromEntries(item.headers), credentials: item.credentials });
    results.push({ n: item.n, origin, outcome, exchanges: exchanges.get(key) || [] });
  }
  await browser.close();
  page.close();
  proxy.close();
  process.stdout.write(JSON.stringify({ engine: browser.name, version: browser.version, results }));
}

main().catch((e) => { console.error(e); process.exit(1); });
