// What the browser drivers (check.js, sdk.js, doctor.js) share: the page's
// origin (a loopback HTTP server, with cos-js-sdk-v5 at /sdk.js when asked),
// straight requests to the emulator (`coscors serve`, as the bucket's COS
// host), and the recording proxy in front of the emulator that the pages
// talk to (the "bucket" origin): it forwards each request with the bucket's
// host name and tells the caller what went over the wire.
//
//   const ps = require('./page_server.js');
//   const port = await ps.listen(server, 0);
//   const page = await ps.pageServer({ title, sdk: true });   // { server, port, origin }
//   await ps.emulator('PUT', '/key', headers, body);          // { status, headers (raw), body }
//   await ps.putConfig(xml);                                  // PUT ?cors with Content-MD5
//   const proxy = await ps.recordingProxy({ onExchange, fixed }); // { server, port }
//
// Env: EMULATOR_PORT (the emulator's port on 127.0.0.1).
'use strict';
const http = require('http');
const path = require('path');
const fs = require('fs');
const crypto = require('crypto');

const EMU = Number(process.env.EMULATOR_PORT);
const VHOST = 'examplebucket-1250000000.cos.ap-beijing.myqcloud.com';
const SDK = path.join(__dirname, '..', 'peers', 'node_modules', 'cos-js-sdk-v5', 'dist', 'cos-js-sdk-v5.min.js');

function listen(server, port) {
  return new Promise((resolve, reject) => {
    server.on('error', reject);
    server.listen(port || 0, '127.0.0.1', () => resolve(server.address().port));
  });
}

// Raw header list (Node's rawHeaders) as [name, value] pairs.
function pairs(raw) {
  const out = [];
  for (let i = 0; i < raw.length; i += 2) out.push([raw[i], raw[i + 1]]);
  return out;
}

// A request straight to the emulator, with the bucket's host name.
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

// PUT Bucket cors, with the Content-MD5 COS requires. Resolves with the
// emulator's answer ({ status, headers, body }).
function putConfig(xml) {
  const md5 = crypto.createHash('md5').update(xml).digest('base64');
  return emulator('PUT', '/?cors', { 'Content-Type': 'application/xml', 'Content-MD5': md5, 'Content-Length': Buffer.byteLength(xml) }, xml);
}

// The page's origin: an empty page (with cos-js-sdk-v5 loaded when `sdk`)
// on `port` (0: a free one).
async function pageServer({ title, sdk, port }) {
  const server = http.createServer((req, res) => {
    if (sdk && req.url === '/sdk.js') {
      res.writeHead(200, { 'Content-Type': 'application/javascript; charset=utf-8' });
      res.end(fs.readFileSync(SDK));
      return;
    }
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><meta charset="utf-8"><title>${title}</title>${sdk ? '<script src="/sdk.js"></script>' : ''}`);
  });
  const p = await listen(server, port);
  return { server, port: p, origin: `http://127.0.0.1:${p}` };
}

// The recording proxy in front of the emulator. For each exchange,
// onExchange({ key (the path), method, url, requestHeaders (the parsed
// ones), request (raw pairs), status, answer (raw pairs) }) is called
// before the answer goes back. `fixed(req, key)` may return a fixed answer
// { status, headers: [[name, value]...], body } to send instead of the
// emulator's (only those headers: no Date added by Node, so that the
// recorded answer is the one the browser saw).
async function recordingProxy({ onExchange, fixed }) {
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const key = req.url.split('?')[0];
      const record = (status, answer) => onExchange && onExchange({
        key, method: req.method, url: req.url, requestHeaders: req.headers, request: pairs(req.rawHeaders), status, answer,
      });
      const f = fixed && fixed(req, key);
      if (f) {
        record(f.status, f.headers);
        res.sendDate = false;
        res.writeHead(f.status, f.headers.flat());
        res.end(f.body);
        return;
      }
      const headers = Object.assign({}, req.headers, { host: VHOST });
      const up = http.request({ host: '127.0.0.1', port: EMU, method: req.method, path: req.url, headers }, (ur) => {
        const body = [];
        ur.on('data', (c) => body.push(c));
        ur.on('end', () => {
          record(ur.statusCode, pairs(ur.rawHeaders));
          res.writeHead(ur.statusCode, ur.rawHeaders);
          res.end(Buffer.concat(body));
        });
      });
      up.on('error', (e) => { res.writeHead(502); res.end(String(e)); });
      up.end(Buffer.concat(chunks));
    });
  });
  return { server, port: await listen(server, 0) };
}

module.exports = { EMU, VHOST, SDK, listen, pairs, emulator, putConfig, pageServer, recordingProxy };
