'use strict';
// Loads the repository's protos with @grpc/proto-loader and builds @grpc/grpc-js clients.
const path = require('node:path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const protoRoot = path.resolve(__dirname, '..', '..', 'protos');
const definition = protoLoader.loadSync(
  ['tokencenter/v1/token_center.proto', 'grpc/health/v1/health.proto'],
  { includeDirs: [protoRoot], keepCase: true, longs: String, enums: String, defaults: true, oneofs: true },
);
const loaded = grpc.loadPackageDefinition(definition);

function tokenCenter(address, options = {}) {
  return new loaded.tokencenter.v1.TokenCenter(address, grpc.credentials.createInsecure(), options);
}

function health(address, options = {}) {
  return new loaded.grpc.health.v1.Health(address, grpc.credentials.createInsecure(), options);
}

// Promisified unary call: resolves with the response, rejects with the grpc-js ServiceError.
function unary(client, method, request, options = {}) {
  return new Promise((resolve, reject) => {
    const metadata = options.metadata ?? new grpc.Metadata();
    const callOptions = options.deadlineMs ? { deadline: Date.now() + options.deadlineMs } : {};
    client[method](request, metadata, callOptions, (err, res) => (err ? reject(err) : resolve(res)));
  });
}

module.exports = { grpc, tokenCenter, health, unary };
