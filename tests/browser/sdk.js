// cos-js-sdk-v5 (the seed's browser SDK) in a real page ($ENGINE, see launch.js) on another
// loopback origin: putBucketCors, then putObject and read the ETag from
// JavaScript. With `ExposeHeader: ETag` the page reads it; without, the
// browser hides it, as in real life. The SDK keeps its virtual-host URL
// scheme; its `Domain` points at a loopback proxy that forwards to the
// emulator with the bucket's COS host name.
//
// Env: EMULATOR_PORT, ENGINE. Prints a JSON line; exits 1 on surprise.
'use strict';
const launch = require('./launch.js');
const { pageServer, putConfig, recordingProxy } = require('./page_server.js');

async function main() {
  const { server: page, origin } = await pageServer({ title: 'cos-js-sdk-v5', sdk: true });
  const seen = [];
  const { server: proxy, port: proxyPort } = await recordingProxy({
    onExchange: ({ method, url }) => seen.push(`${method} ${url}`),
  });
  // So that the page may call putBucketCors at all: a first configuration
  // that lets its origin in (put straight to the emulator, with the
  // Content-MD5 COS requires on PUT ?cors).
  const first = await putConfig(`<CORSConfiguration><CORSRule><AllowedOrigin>${origin}</AllowedOrigin><AllowedMethod>PUT</AllowedMethod><AllowedMethod>GET</AllowedMethod><AllowedMethod>POST</AllowedMethod><AllowedMethod>DELETE</AllowedMethod><AllowedMethod>HEAD</AllowedMethod><AllowedHeader>*</AllowedHeader></CORSRule></CORSConfiguration>`);
  if (first.status !== 200) throw new Error(`PUT ?cors answered ${first.status}: ${first.body}`);
  const browser = await launch(launch.engine());
  const tab = await browser.newPage();
  await tab.goto(origin + '/');
  await tab.waitFor(() => typeof window.COS === 'function', 10000).catch(() => {
    throw new Error('cos-js-sdk-v5 did not load: ' + tab.errors.join('; '));
  });
  const run = (expose, key) => tab.evaluate(async ({ proxyPort, origin, expose, key }) => {
    const cos = new COS({ SecretId: 'AKIDcoscorsBrowser', SecretKey: 'browser-test-key', Protocol: 'http:', Domain: `127.0.0.1:${proxyPort}` });
    const call = (name, params) => new Promise((resolve) => {
      cos[name](Object.assign({ Bucket: 'examplebucket-1250000000', Region: 'ap-beijing' }, params), (err, data) => resolve({ err: err && (err.code || err.message || String(err)), data }));
    });
    const put = await call('putBucketCors', {
      CORSRules: [{ AllowedOrigin: [origin], AllowedMethod: ['GET', 'POST', 'PUT', 'DELETE', 'HEAD'], AllowedHeader: ['*'], ExposeHeader: expose, MaxAgeSeconds: '5' }],
    });
    const obj = await call('putObject', { Key: key, Body: 'hello from the browser' });
    return { putBucketCors: put.err || 'ok', putObject: obj.err || 'ok', etag: obj.data ? (obj.data.ETag || '') : '' };
  }, { proxyPort, origin, expose, key });
  const exposed = await run(['ETag'], 'sdk/exposed.txt');
  const hidden = await run([], 'sdk/hidden.txt');
  await browser.close();
  page.close();
  proxy.close();
  const out = { engine: browser.name, version: browser.version, exposed, hidden, requests: seen.length };
  console.log(JSON.stringify(out));
  const ok = exposed.putBucketCors === 'ok' && exposed.putObject === 'ok' && /^"?[0-9a-f]{32}"?$/.test(exposed.etag)
    && hidden.putBucketCors === 'ok' && hidden.etag === '';
  process.exit(ok ? 0 : 1);
}

main().catch((e) => { console.error(e); process.exit(1); });
