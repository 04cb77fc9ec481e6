// A gRPC server with the grpc.health.v1 service, for gRPC probe tests: built from the local
// node base image and the same @grpc/grpc-js the engine uses. The reported status is read
// from /app/status-<service> on every Check (SERVING when absent), so a test flips it with
// one exec; HEALTH=off leaves the health service out (the probe then gets UNIMPLEMENTED).
import type Dockerode from 'dockerode';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildImage } from '../../extension/engine/build';
import { BASE_IMAGE_STACK } from './base-images';
import { ensureNodeImage, NODE_IMAGE } from './node-image';

const SERVER = `const grpc = require('@grpc/grpc-js');
const fs = require('fs');
const STATUS = { UNKNOWN: 0, SERVING: 1, NOT_SERVING: 2, SERVICE_UNKNOWN: 3 };
// HealthCheckRequest { string service = 1 }: tag 0x0a, length, bytes (absent: the server itself).
// (An object, not the bare string: grpc-js takes a falsy request for a missing one.)
const request = (b) => ({ service: b.length > 2 && b[0] === 0x0a ? b.subarray(2, 2 + b[1]).toString() : '' });
const server = new grpc.Server();
if (process.env.HEALTH !== 'off') {
  server.addService(
    {
      Check: {
        path: '/grpc.health.v1.Health/Check',
        requestStream: false,
        responseStream: false,
        requestSerialize: (x) => x,
        requestDeserialize: request,
        responseSerialize: (s) => Buffer.from([0x08, s]),
        responseDeserialize: (b) => b,
      },
    },
    {
      Check: (call, cb) => {
        let text = 'SERVING';
        try {
          text = fs.readFileSync('/app/status-' + (call.request.service || 'server'), 'utf8').trim();
        } catch {}
        if (text === 'NOT_FOUND') return cb({ code: grpc.status.NOT_FOUND, details: 'unknown service' });
        cb(null, STATUS[text] ?? 0);
      },
    },
  );
}
server.bindAsync('0.0.0.0:9090', grpc.ServerCredentials.createInsecure(), (err) => {
  if (err) throw err;
  console.log('grpc server on 9090, health ' + (process.env.HEALTH !== 'off' ? 'on' : 'off'));
});
process.on('SIGTERM', () => server.tryShutdown(() => process.exit(0)));
`;

let pending: Promise<string> | undefined;

/** The image's reference, built once per process (and reused across runs: the tag names its content). */
export function ensureGrpcHealthImage(docker: Dockerode): Promise<string> {
  pending ??= build(docker).catch((e: unknown) => {
    pending = undefined;
    throw e;
  });
  return pending;
}

async function build(docker: Dockerode): Promise<string> {
  await ensureNodeImage(docker);
  const root = path.resolve(__dirname, '../..');
  const pkg: unknown = JSON.parse(
    await fs.readFile(path.join(root, 'node_modules/@grpc/grpc-js/package.json'), 'utf8'),
  );
  const grpcVersion = pkg && typeof pkg === 'object' && 'version' in pkg ? String(pkg.version) : '';
  const tag = `flotilla.local/grpc-health-test:${createHash('sha256')
    .update(SERVER + grpcVersion)
    .digest('hex')
    .slice(0, 12)}`;
  const found = await docker
    .getImage(tag)
    .inspect()
    .then(
      () => true,
      () => false,
    );
  if (found) return tag;
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'flotilla-grpc-'));
  try {
    for (const m of ['@grpc/grpc-js', '@js-sdsl/ordered-map']) {
      await fs.cp(path.join(root, 'node_modules', m), path.join(dir, 'node_modules', m), { recursive: true });
    }
    await fs.writeFile(path.join(dir, 'server.js'), SERVER);
    await fs.writeFile(
      path.join(dir, 'Dockerfile'),
      `FROM ${NODE_IMAGE}\nCOPY . /app\nWORKDIR /app\nCMD ["node", "server.js"]\n`,
    );
    await buildImage(
      docker,
      {
        image: tag,
        context: dir,
        dockerfile: path.join(dir, 'Dockerfile'),
        buildArgs: {},
        source: { file: path.join(dir, 'Dockerfile'), line: 1, column: 1 },
      },
      { stack: BASE_IMAGE_STACK, stackDir: dir },
    );
    return tag;
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}
