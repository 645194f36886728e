// cos-nodejs-sdk-v5 against the coscors emulator, with the same calls as the
// seed's putBucketCors / getBucketCors / deleteBucketCors examples, then an
// object put and get. The SDK keeps its own COS host names
// (`<bucket>.cos.<region>.myqcloud.com`, virtual-host style, the only style it
// supports) and reaches the emulator through its `Proxy` setting, as it
// would through a corporate HTTP proxy: the emulator answers COS host names
// whatever the TCP peer.
//
// Env: COSCORS_PORT, COSCORS_SECRET_ID, COSCORS_SECRET_KEY, COSCORS_EXPECT
// ("ok" or "denied").
'use strict';
const path = require('path');
const COS = require(path.join(__dirname, '..', 'peers', 'node_modules', 'cos-nodejs-sdk-v5'));

const Bucket = 'examplebucket-1250000000';
const Region = 'ap-beijing';
const cos = new COS({
  SecretId: process.env.COSCORS_SECRET_ID,
  SecretKey: process.env.COSCORS_SECRET_KEY,
  Protocol: 'http:',
  Proxy: `http://127.0.0.1:${process.env.COSCORS_PORT}`,
});

function call(name, params) {
  return new Promise((resolve, reject) => {
    cos[name](Object.assign({ Bucket, Region }, params), (err, data) => (err ? reject(err) : resolve(data)));
  });
}

function fail(msg) {
  console.log(msg);
  process.exit(1);
}

async function main() {
  const CORSRules = [{
    AllowedOrigin: ['*'],
    AllowedMethod: ['GET', 'POST', 'PUT', 'DELETE', 'HEAD'],
    AllowedHeader: ['*'],
    ExposeHeader: ['ETag', 'x-cos-acl', 'x-cos-version-id', 'x-cos-delete-marker', 'x-cos-server-side-encryption'],
    MaxAgeSeconds: '5',
  }];
  if (process.env.COSCORS_EXPECT === 'denied') {
    try {
      await call('putBucketCors', { CORSRules });
    } catch (e) {
      console.log(`denied: ${e.statusCode} ${e.code}`);
      process.exit(e.statusCode === 403 && e.code === 'SignatureDoesNotMatch' ? 0 : 1);
    }
    fail('putBucketCors succeeded with a wrong key');
  }
  await call('putBucketCors', { CORSRules });
  console.log('putBucketCors: ok');
  const got = await call('getBucketCors', {});
  const r = got.CORSRules && got.CORSRules[0];
  if (!r || JSON.stringify(r.AllowedMethods || r.AllowedMethod) !== JSON.stringify(['GET', 'POST', 'PUT', 'DELETE', 'HEAD'])) {
    fail(`getBucketCors returned ${JSON.stringify(got)}`);
  }
  if (String(r.MaxAgeSeconds) !== '5') fail(`MaxAgeSeconds ${JSON.stringify(got)}`);
  console.log('getBucketCors: ok');
  await call('deleteBucketCors', {});
  const after = await call('getBucketCors', {});
  // The SDK turns 404 NoSuchCORSConfiguration into an empty rule list.
  if (after.CORSRules && after.CORSRules.length) fail(`rules after delete: ${JSON.stringify(after)}`);
  console.log('deleteBucketCors: ok');
  const put = await call('putObject', { Key: 'sdk/node.txt', Body: Buffer.from('hello from node') });
  if (!put.ETag) fail(`putObject: no ETag in ${JSON.stringify(put)}`);
  console.log('putObject: ok');
  const obj = await call('getObject', { Key: 'sdk/node.txt' });
  if (obj.Body.toString() !== 'hello from node') fail(`getObject: ${obj.Body}`);
  console.log('getObject: ok');
}

main().catch((e) => fail(`error: ${e.statusCode || ''} ${e.code || ''} ${e.message || JSON.stringify(e)}`));
