#!/usr/bin/env node
'use strict';
// Demo: node tests/Interop/get-token.js 127.0.0.1:5001 wx0000000000000001
// (run `npm ci` in tests/Interop once). Prints the token's version and expiry, and a fingerprint
// of the value — never the value itself, unless --show-value is given. With authentication on,
// pass the API key in TOKENCENTER_API_KEY (sent as "authorization: Bearer <key>").
const crypto = require('node:crypto');
const grpc = require('@grpc/grpc-js');
const { tokenCenter, unary } = require('./client');

async function main() {
  const [address = '127.0.0.1:5001', appId = 'wx0000000000000001'] = process.argv.slice(2).filter((a) => !a.startsWith('--'));
  const client = tokenCenter(address);
  const metadata = new grpc.Metadata();
  if (process.env.TOKENCENTER_API_KEY) metadata.set('authorization', `Bearer ${process.env.TOKENCENTER_API_KEY}`);
  const token = await unary(client, 'GetToken', { key: { kind: 'ACCESS_TOKEN', app_id: appId } }, { deadlineMs: 10000, metadata });
  const fingerprint = crypto.createHash('sha256').update(token.value).digest('hex').slice(0, 8);
  const expires = new Date(Number(token.expires_at.seconds) * 1000).toISOString();
  console.log(`access_token for ${appId}: version ${token.version}, expires ${expires}, fingerprint ${fingerprint}`);
  if (process.argv.includes('--show-value')) console.log(token.value);
  client.close();
}

main().catch((err) => {
  console.error(`GetToken failed: ${err.code} ${err.details ?? err.message}`);
  process.exit(1);
});
