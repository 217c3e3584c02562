'use strict';
// A real non-.NET gRPC client (@grpc/grpc-js) against a running TokenServer (started by test.sh in
// Development: embedded simulator, demo app). Environment:
//   TOKENCENTER_GRPC   gRPC address, e.g. 127.0.0.1:15001
//   TOKENCENTER_WEB    web base URL, e.g. http://127.0.0.1:15000
//   TOKENCENTER_APP    a configured app that works (the demo app)
//   TOKENCENTER_BAD_APP a configured app whose secret WeChat rejects (40125)
//   TOKENCENTER_COMPONENT the demo third-party platform (component) of the Development configuration
const test = require('node:test');
const assert = require('node:assert/strict');
const { grpc, tokenCenter, health, unary } = require('./client');

const address = process.env.TOKENCENTER_GRPC ?? '127.0.0.1:5001';
const web = process.env.TOKENCENTER_WEB ?? 'http://127.0.0.1:5000';
const appId = process.env.TOKENCENTER_APP ?? 'wx0000000000000001';
const badAppId = process.env.TOKENCENTER_BAD_APP ?? 'wx00000000000000b1';
const componentAppId = process.env.TOKENCENTER_COMPONENT ?? 'wx00000000000000c0';
const key = { kind: 'ACCESS_TOKEN', app_id: appId };
const { status } = grpc;

const client = tokenCenter(address);
const gzipClient = tokenCenter(address, { 'grpc.default_compression_algorithm': 2 });
const healthClient = health(address);
test.after(() => { client.close(); gzipClient.close(); healthClient.close(); });

async function rejects(promise, code, pattern) {
  const err = await promise.then(() => assert.fail('expected the call to fail'), (e) => e);
  assert.equal(err.code, code, `status ${err.code} (${err.details}) instead of ${code}`);
  if (pattern) assert.match(err.details, pattern);
  return err;
}

test('GetToken returns the current token with value, expiry, obtained_at and version', async () => {
  const token = await unary(client, 'GetToken', { key }, { deadlineMs: 10000 });
  assert.ok(token.value.length > 20);
  assert.ok(Number(token.version) >= 1);
  assert.ok(Number(token.expires_at.seconds) * 1000 > Date.now());
  assert.ok(Number(token.obtained_at.seconds) <= Number(token.expires_at.seconds));
  assert.equal(token.key.app_id, appId);
});

test('GetToken over gzip in both directions returns the same token', async () => {
  const plain = await unary(client, 'GetToken', { key });
  const compressed = await unary(gzipClient, 'GetToken', { key });
  assert.equal(compressed.value, plain.value);
});

test('GetToken for an app that is not configured is NOT_FOUND', async () => {
  await rejects(unary(client, 'GetToken', { key: { kind: 'ACCESS_TOKEN', app_id: 'wxffffffffffffffff' } }), status.NOT_FOUND, /wxffffffffffffffff/);
});

test('GetToken with a malformed app id is INVALID_ARGUMENT naming the field', async () => {
  await rejects(unary(client, 'GetToken', { key: { kind: 'ACCESS_TOKEN', app_id: 'not-an-app' } }), status.INVALID_ARGUMENT, /app_id/);
});

test('GetToken without a kind is INVALID_ARGUMENT', async () => {
  await rejects(unary(client, 'GetToken', { key: { app_id: appId } }), status.INVALID_ARGUMENT, /kind/);
});

test('GetToken for an app whose secret WeChat rejects is UNAVAILABLE carrying errcode 40125', async () => {
  await rejects(unary(client, 'GetToken', { key: { kind: 'ACCESS_TOKEN', app_id: badAppId } }, { deadlineMs: 20000 }), status.UNAVAILABLE, /40125/);
});

test('ForceRefresh without stale_value is INVALID_ARGUMENT', async () => {
  await rejects(unary(client, 'ForceRefresh', { key }), status.INVALID_ARGUMENT, /stale_value/);
});

test('ForceRefresh with a value that is no longer current returns the current token without refreshing', async () => {
  const current = await unary(client, 'GetToken', { key });
  const answer = await unary(client, 'ForceRefresh', { key, stale_value: 'an-old-token-value' });
  assert.equal(answer.value, current.value);
  assert.equal(answer.version, current.version);
});

test('WatchTokens sends the current token first, then the token a ForceRefresh stores', async () => {
  const current = await unary(client, 'GetToken', { key });
  const call = client.WatchTokens({ keys: [key] });
  const received = [];
  const second = new Promise((resolve, reject) => {
    call.on('data', (t) => { received.push(t); if (received.length === 2) resolve(); });
    call.on('error', (e) => { if (e.code !== status.CANCELLED) reject(e); });
  });
  while (received.length === 0) await new Promise((r) => setTimeout(r, 10));
  assert.equal(received[0].value, current.value);

  const refreshed = await unary(client, 'ForceRefresh', { key, stale_value: current.value }, { deadlineMs: 20000 });
  assert.notEqual(refreshed.value, current.value);
  assert.ok(BigInt(refreshed.version) > BigInt(current.version));
  await second;
  call.cancel();
  assert.equal(received[1].value, refreshed.value);
  assert.equal(received[1].version, refreshed.version);
});

test('ForceRefresh again right after a refresh is RESOURCE_EXHAUSTED with retry-after-ms', async () => {
  const current = await unary(client, 'GetToken', { key });
  const err = await rejects(unary(client, 'ForceRefresh', { key, stale_value: current.value }), status.RESOURCE_EXHAUSTED, /retry/i);
  const retryAfter = err.metadata.get('retry-after-ms');
  assert.equal(retryAfter.length, 1);
  assert.ok(Number(retryAfter[0]) > 0);
});

test('WatchTokens ends with DEADLINE_EXCEEDED at the caller deadline', async () => {
  const call = client.WatchTokens({ keys: [key] }, new grpc.Metadata(), { deadline: Date.now() + 500 });
  let messages = 0;
  const err = await new Promise((resolve) => {
    call.on('data', () => { messages++; });
    call.on('error', resolve);
    call.on('end', () => resolve(null));
  });
  assert.ok(err, 'stream should end with an error');
  assert.equal(err.code, status.DEADLINE_EXCEEDED);
  assert.ok(messages >= 1);
});

test('WatchTokens without keys is INVALID_ARGUMENT', async () => {
  const call = client.WatchTokens({ keys: [] });
  const err = await new Promise((resolve) => { call.on('error', resolve); call.on('data', () => {}); });
  assert.equal(err.code, status.INVALID_ARGUMENT);
});

test('GetStatus lists every configured key and never a token value', async () => {
  const current = await unary(client, 'GetToken', { key });
  const reply = await unary(client, 'GetStatus', {});
  const ids = reply.keys.filter((k) => k.key.kind === 'ACCESS_TOKEN').map((k) => k.key.app_id).sort();
  assert.deepEqual(ids, [appId, badAppId].sort());
  const demo = reply.keys.find((k) => k.key.app_id === appId);
  assert.equal(demo.has_valid_token, true);
  const bad = reply.keys.find((k) => k.key.app_id === badAppId);
  assert.equal(bad.last_error.errcode, 40125);
  assert.ok(!JSON.stringify(reply).includes(current.value));
});

test('GetToken serves the demo component_access_token obtained from a pushed verify ticket', async () => {
  const componentKey = { kind: 'COMPONENT_ACCESS_TOKEN', component_app_id: componentAppId };
  const token = await unary(client, 'GetToken', { key: componentKey }, { deadlineMs: 20000 });
  assert.ok(token.value.length > 20);
  assert.equal(token.key.component_app_id, componentAppId);
  const reply = await unary(client, 'GetStatus', {});
  assert.ok(reply.keys.some((k) => k.key.kind === 'COMPONENT_ACCESS_TOKEN' && k.key.component_app_id === componentAppId));
});

test('An unknown method is UNIMPLEMENTED', async () => {
  const raw = new grpc.Client(address, grpc.credentials.createInsecure());
  const err = await new Promise((resolve) => {
    raw.makeUnaryRequest('/tokencenter.v1.TokenCenter/NoSuchMethod', (x) => x, (x) => x, Buffer.alloc(0), (e) => resolve(e));
  });
  raw.close();
  assert.equal(err.code, status.UNIMPLEMENTED);
});

test('A request that is not a valid protobuf message is INTERNAL', async () => {
  const raw = new grpc.Client(address, grpc.credentials.createInsecure());
  const err = await new Promise((resolve) => {
    raw.makeUnaryRequest('/tokencenter.v1.TokenCenter/GetToken', (x) => x, (x) => x, Buffer.from([0xff, 0xff, 0xff]), (e) => resolve(e));
  });
  raw.close();
  assert.equal(err.code, status.INTERNAL);
});

test('Health/Check for the whole server agrees with /readyz', async () => {
  const reply = await unary(healthClient, 'Check', { service: '' });
  const ready = await fetch(`${web}/readyz`);
  assert.equal(reply.status, ready.status === 200 ? 'SERVING' : 'NOT_SERVING');
});

test('Health/Check for the token service answers', async () => {
  const reply = await unary(healthClient, 'Check', { service: 'tokencenter.v1.TokenCenter' });
  assert.ok(['SERVING', 'NOT_SERVING'].includes(reply.status));
});

test('Health/Check for an unknown service is NOT_FOUND', async () => {
  await rejects(unary(healthClient, 'Check', { service: 'no.such.Service' }), status.NOT_FOUND);
});

test('Health/Watch streams the current status first, SERVICE_UNKNOWN for an unknown service', async () => {
  for (const [service, expected] of [['', null], ['no.such.Service', 'SERVICE_UNKNOWN']]) {
    const call = healthClient.Watch({ service });
    const first = await new Promise((resolve, reject) => { call.on('data', resolve); call.on('error', reject); });
    call.cancel();
    call.on('error', () => {});
    if (expected) assert.equal(first.status, expected);
    else assert.ok(['SERVING', 'NOT_SERVING'].includes(first.status));
  }
});
