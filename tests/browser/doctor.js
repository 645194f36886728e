// The proof of `coscors doctor`: the real cos-js-sdk-v5 (npm) in a real page
// ($ENGINE, see launch.js) runs each operation doctor predicts, against
// `coscors serve`, for every configuration in CONFIGS_JSON and every page
// origin, and records what happened.
//
// Input (CONFIGS_JSON): { origins: ["http://127.0.0.1:P", ...] (the pages'
// origins; their ports are listened on here), items: [{ id, xml }] }.
// Each configuration is put on the emulator (straight, not through the
// browser), then each page runs the operations, each on keys of its own so
// that no preflight cache entry is reused across configurations.
//
// Output: one JSON line { engine, version, results: [{ id, origin, token,
// op, err, status, etag, requestId, completed, requests: ["METHOD url
// ACRH"] }] }.
//
// Env: EMULATOR_PORT, CONFIGS_JSON, ENGINE.
'use strict';
const fs = require('fs');
const launch = require('./launch.js');
const { emulator, putConfig: put, pageServer, recordingProxy } = require('./page_server.js');

async function putConfig(xml) {
  const r = await put(xml);
  if (r.status !== 200) throw new Error(`PUT ?cors answered ${r.status}: ${r.body}\n${xml}`);
}

// In the page: every operation, each with and without a temporary
// credential's x-cos-security-token. Returns one record per operation.
async function inPage({ proxyPort, prefix, tokens }) {
  const out = [];
  for (const token of tokens) {
    const cos = new COS(Object.assign(
      { Protocol: 'http:', Domain: `127.0.0.1:${proxyPort}`, ChunkRetryTimes: 0, ChunkParallelLimit: 1 },
      token
        ? { getAuthorization: (o, cb) => cb({ TmpSecretId: 'AKIDcoscorsTmp', TmpSecretKey: 'tmp-key', SecurityToken: 'coscors-session-token', StartTime: Math.floor(Date.now() / 1000) - 10, ExpiredTime: Math.floor(Date.now() / 1000) + 3600 }) }
        : { SecretId: 'AKIDcoscorsDoctor', SecretKey: 'doctor-key' }));
    const base = { Bucket: 'examplebucket-1250000000', Region: 'ap-beijing' };
    const call = (name, params) => new Promise((resolve) => {
      let done = false;
      const t = setTimeout(() => { if (!done) { done = true; resolve({ err: { message: 'timeout' } }); } }, 20000);
      cos[name](Object.assign({}, base, params), (err, data) => {
        if (done) return;
        done = true;
        clearTimeout(t);
        resolve({ err, data });
      });
    });
    const record = (op, r, extra) => {
      const err = r.err;
      out.push(Object.assign({
        op,
        token,
        err: err ? String(err.code || err.message || err.error || JSON.stringify(err)).slice(0, 200) : null,
        status: err ? (err.statusCode || 0) : (r.data && r.data.statusCode) || 0,
        etag: !err && r.data ? String(r.data.ETag || (r.data.headers && r.data.headers.etag) || '') : '',
        requestId: !err && r.data ? String(r.data.RequestId || (r.data.headers && r.data.headers['x-cos-request-id']) || '') : '',
      }, extra || {}));
    };
    const k = (op) => `${prefix}/${token ? 't' : 'p'}/${op}`;
    const body = (n) => new Blob(['x'.repeat(n)], { type: 'application/octet-stream' });
    record('putObject', await call('putObject', { Key: k('putObject'), Body: body(16) }));
    // The multipart calls one by one: Initiate, one UploadPart, Complete
    // with the part's ETag as JavaScript read it.
    {
      const key = k('multipartUpload');
      const init = await call('multipartInit', { Key: key });
      const uploadId = init.data && init.data.UploadId;
      const part = uploadId ? await call('multipartUpload', { Key: key, UploadId: uploadId, PartNumber: 1, Body: body(32) }) : { err: init.err || { message: 'no UploadId' } };
      const etag = !part.err && part.data ? String(part.data.ETag || '') : '';
      const done = uploadId && !part.err ? await call('multipartComplete', { Key: key, UploadId: uploadId, Parts: [{ PartNumber: 1, ETag: etag }] }) : null;
      const failed = init.err ? init : part.err ? part : done && done.err ? done : null;
      out.push({
        op: 'multipartUpload',
        token,
        err: failed ? String(failed.err.code || failed.err.message || failed.err.error || JSON.stringify(failed.err)).slice(0, 200) : null,
        status: failed ? (failed.err.statusCode || 0) : 200,
        step: init.err ? 'initiate' : part.err ? 'uploadPart' : done && done.err ? 'complete' : null,
        etag,
        requestId: !part.err && part.data ? String(part.data.RequestId || '') : '',
        completed: !!done && !done.err,
      });
    }
    // sliceUploadFile itself: ListMultipartUploads for its key first (to
    // resume an upload), then the same three calls; without a readable
    // part ETag it stops with its own error ("get ETag error").
    {
      const r = await call('sliceUploadFile', { Key: k('sliceUploadFile'), Body: body(48) });
      const err = r.err;
      const message = err ? String(err.code || err.message || err.error || JSON.stringify(err)) : '';
      out.push({
        op: 'sliceUploadFile',
        token,
        err: err ? message.slice(0, 200) : null,
        status: err ? (err.statusCode || 0) : (r.data && r.data.statusCode) || 0,
        etagError: /get ETag error/.test(message),
        etag: !err && r.data ? String(r.data.ETag || '') : '',
        requestId: '',
        completed: !err,
      });
    }
    // Objects for the reads were put by the driver before this page ran.
    record('getObject', await call('getObject', { Key: k('getObject'), Range: 'bytes=0-4' }));
    record('headObject', await call('headObject', { Key: k('headObject') }));
    record('deleteObject', await call('deleteObject', { Key: k('deleteObject') }));
    // postObject: the SDK has none; the page's own form upload (COS's POST
    // Object, 436/14690), a FormData POST to the bucket root with the
    // signature's fields (the emulator does not check them: CORS is what
    // is proven here) and the file last. No preflight: the browser's
    // multipart/form-data type is safelisted.
    {
      const fd = new FormData();
      const now = Math.floor(Date.now() / 1000);
      fd.append('key', k('postObject'));
      fd.append('policy', btoa(JSON.stringify({ expiration: new Date((now + 3600) * 1000).toISOString(), conditions: [{ bucket: base.Bucket }] })));
      fd.append('q-sign-algorithm', 'sha1');
      fd.append('q-ak', token ? 'AKIDcoscorsTmp' : 'AKIDcoscorsDoctor');
      fd.append('q-key-time', `${now - 10};${now + 3600}`);
      fd.append('q-signature', '0'.repeat(40));
      if (token) fd.append('x-cos-security-token', 'coscors-session-token');
      fd.append('file', body(8), 'form.bin');
      let r;
      try {
        const resp = await fetch(`http://127.0.0.1:${proxyPort}/`, { method: 'POST', body: fd });
        r = { err: resp.ok ? null : `status ${resp.status}`, status: resp.status, etag: resp.headers.get('etag') || '', requestId: resp.headers.get('x-cos-request-id') || '' };
      } catch (e) {
        // The browser blocked the answer (a CORS failure is a TypeError).
        r = { err: String(e && e.message || e).slice(0, 200), status: 0, etag: '', requestId: '' };
      }
      out.push(Object.assign({ op: 'postObject', token }, r));
    }
  }
  return out;
}

async function main() {
  const input = JSON.parse(fs.readFileSync(process.env.CONFIGS_JSON, 'utf8'));
  const tokens = input.tokens || [false, true];
  const pages = [];
  for (const o of input.origins) {
    const { server } = await pageServer({ title: 'coscors doctor proof', sdk: true, port: Number(new URL(o).port) });
    pages.push({ origin: o, server });
  }
  // The recording proxy in front of the emulator: which requests each
  // operation made (method, path and query, Access-Control-Request-Headers).
  const seen = new Map();
  const { server: proxy, port: proxyPort } = await recordingProxy({
    onExchange: ({ key, method, url, requestHeaders }) => {
      if (!seen.has(key)) seen.set(key, []);
      seen.get(key).push(`${method} ${url.replace(/uploadId=[^&]*/, 'uploadId=…')} ${requestHeaders['access-control-request-headers'] || ''}`.trim());
    },
  });
  const browser = await launch(launch.engine());
  const tabs = [];
  for (const p of pages) {
    const tab = await browser.newPage();
    await tab.goto(p.origin + '/');
    await tab.waitFor(() => typeof window.COS === 'function', 10000).catch(() => {
      throw new Error(`cos-js-sdk-v5 did not load in ${browser.name}: ${tab.errors.join('; ')}`);
    });
    tabs.push(tab);
  }
  const results = [];
  for (const item of input.items) {
    await putConfig(item.xml);
    for (let i = 0; i < pages.length; i++) {
      const prefix = `proof/${item.id}/${i}`;
      for (const t of tokens) {
        for (const op of ['getObject', 'headObject']) {
          const key = `/${prefix}/${t ? 't' : 'p'}/${op}`;
          const seed = await emulator('PUT', key, { 'Content-Length': 10 }, 'seedobject');
          if (seed.status !== 200) throw new Error(`seeding ${key}: ${seed.status} ${seed.body}`);
        }
      }
      const out = await tabs[i].evaluate(inPage, { proxyPort, prefix, tokens });
      for (const r of out) {
        const key = `/${prefix}/${r.token ? 't' : 'p'}/${r.op}`;
        // A form upload goes to the bucket root: its requests are the
        // page's POSTs to `/` (both tokens').
        const at = r.op === 'postObject' ? '/' : key;
        results.push(Object.assign({ id: item.id, origin: pages[i].origin }, r, { requests: seen.get(at) || [] }));
        if (at === key) seen.delete(key);
      }
      seen.delete('/');
    }
  }
  const version = browser.version;
  await browser.close();
  for (const p of pages) p.server.close();
  proxy.close();
  console.log(JSON.stringify({ engine: browser.name, version, results }));
}

main().catch((e) => { console.error(e); process.exit(1); });
