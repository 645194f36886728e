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
const http = require('http');
const path = require('path');
const fs = require('fs');
const launch = require('./launch.js');

const EMU = Number(process.env.EMULATOR_PORT);
const VHOST = 'examplebucket-1250000000.cos.ap-beijing.myqcloud.com';

function listen(server) {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server.address().port)));
}

function emulator(method, pathq, headers, body) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: EMU, method, path: pathq, headers: Object.assign({ Host: VHOST }, headers) }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.rawHeaders, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    if (body) req.write(body);
    req.end();
  });
}

function pairs(raw) {
  const out = [];
  for (let i = 0; i < raw.length; i += 2) out.push([raw[i], raw[i + 1]]);
  return out;
}

async function main() {
  const items = JSON.parse(fs.readFileSync(process.env.ITEMS_JSON, 'utf8'));
  // The page's origin.
  const page = http.createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html' });
    res.end('<!doctype html><title>coscors browser check</title>');
  });
  const pagePort = await listen(page);
  const origin = `http://127.0.0.1:${pagePort}`;
  // The recording proxy in front of the emulator (the "bucket" origin).
  const exchanges = new Map();
  const answers = new Map();
  const proxy = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const key = req.url.split('?')[0];
      const fixed = answers.get(key);
      if (fixed) {
        // A fixed answer instead of the emulator's (an engine probe).
        const list = (req.method === 'OPTIONS' ? fixed.preflight : fixed.actual)
          .map(([n, v]) => [n, v.split('{{ORIGIN}}').join(origin)]);
        const body = req.method === 'OPTIONS' || req.method === 'HEAD' ? '' : 'probe';
        list.push(['Content-Length', String(body.length)]);
        if (!exchanges.has(key)) exchanges.set(key, []);
        exchanges.get(key).push({ method: req.method, request: pairs(req.rawHeaders), status: 200, answer: list });
        // Only the listed headers (no Date added by Node), so that the
        // recorded answer is the one the browser saw.
        res.sendDate = false;
        res.writeHead(200, list.flat());
        res.end(body);
        return;
      }
      const headers = Object.assign({}, req.headers, { host: VHOST });
      const up = http.request({ host: '127.0.0.1', port: EMU, method: req.method, path: req.url, headers }, (ur) => {
        const body = [];
        ur.on('data', (c) => body.push(c));
        ur.on('end', () => {
          if (!exchanges.has(key)) exchanges.set(key, []);
          exchanges.get(key).push({ method: req.method, request: pairs(req.rawHeaders), status: ur.statusCode, answer: pairs(ur.rawHeaders) });
          res.writeHead(ur.statusCode, ur.rawHeaders);
          res.end(Buffer.concat(body));
        });
      });
      up.on('error', (e) => { res.writeHead(502); res.end(String(e)); });
      up.end(Buffer.concat(chunks));
    });
  });
  const proxyPort = await listen(proxy);
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
      const xml = item.config.split('{{ORIGIN}}').join(origin);
      const md5 = require('crypto').createHash('md5').update(xml).digest('base64');
      const r = await emulator('PUT', '/?cors', { 'Content-Type': 'application/xml', 'Content-MD5': md5, 'Content-Length': Buffer.byteLength(xml) }, xml);
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
