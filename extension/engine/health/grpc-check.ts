// A gRPC probe: grpc.health.v1.Health/Check over an insecure channel, through
// @grpc/grpc-js, as the kubelet's prober does (pkg/probe/grpc). The two messages of the
// health protocol are one field each, so they are encoded here rather than loading a
// .proto at run time (which would pull protobufjs into the bundle):
//   HealthCheckRequest  { string service = 1; }
//   HealthCheckResponse { ServingStatus status = 1; }  UNKNOWN 0, SERVING 1, NOT_SERVING 2,
//                                                       SERVICE_UNKNOWN 3
// Outcomes and failure texts follow the kubelet's: connecting blocks until ready or the
// timeout (a refused connection reads as a connect timeout, as with grpc.WithBlock).
import type * as GrpcJs from '@grpc/grpc-js';
import type { CheckOutcome } from './probe-state';
import { PROBE_USER_AGENT } from './checks';

const CHECK = '/grpc.health.v1.Health/Check';
const STATUS = ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'];

export function encodeHealthRequest(service: string): Buffer {
  if (!service) return Buffer.alloc(0); // proto3 leaves a default field out
  const body = Buffer.from(service, 'utf8');
  return Buffer.concat([Buffer.from([0x0a]), varint(body.length), body]);
}

/** The status field of a HealthCheckResponse (0, UNKNOWN, when absent); unknown fields are skipped. */
export function decodeHealthStatus(buf: Buffer): number {
  let i = 0;
  let status = 0;
  while (i < buf.length) {
    const [key, afterKey] = readVarint(buf, i);
    i = afterKey;
    const field = key >>> 3;
    const wire = key & 7;
    if (wire === 0) {
      const [v, next] = readVarint(buf, i);
      if (field === 1) status = v;
      i = next;
    } else if (wire === 2) {
      const [len, next] = readVarint(buf, i);
      i = next + len;
    } else if (wire === 1) i += 8;
    else if (wire === 5) i += 4;
    else throw new Error(`malformed HealthCheckResponse (wire type ${wire})`);
  }
  return status;
}

function varint(n: number): Buffer {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return Buffer.from(out);
}

function readVarint(buf: Buffer, at: number): [number, number] {
  let v = 0;
  let shift = 0;
  let i = at;
  for (;;) {
    if (i >= buf.length) throw new Error('malformed HealthCheckResponse (truncated varint)');
    const b = buf[i++];
    v += (b & 0x7f) * 2 ** shift;
    if (!(b & 0x80)) return [v, i];
    shift += 7;
  }
}

/** grpc-go's name for a status code: UNAVAILABLE → Unavailable, NOT_FOUND → NotFound. */
function goCode(name: string | undefined): string {
  if (!name) return 'Unknown';
  if (name === 'OK') return 'OK';
  return name
    .toLowerCase()
    .split('_')
    .map((w) => w[0].toUpperCase() + w.slice(1))
    .join('');
}

/** Go's duration text for whole seconds, as in the kubelet's messages ("1s"). */
function goSeconds(ms: number): string {
  return `${Math.round(ms / 1000)}s`;
}

export async function grpcCheck(host: string, port: number, service: string, timeoutMs: number): Promise<CheckOutcome> {
  // Loaded on the first gRPC probe: most stacks have none, and the CLI starts faster without it.
  const grpc: typeof GrpcJs = await import('@grpc/grpc-js');
  const addr = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  const client = new grpc.Client(addr, grpc.credentials.createInsecure(), {
    'grpc.primary_user_agent': PROBE_USER_AGENT,
    // One probe, one connection: no retries or reconnection backoff carried between probes.
    'grpc.enable_retries': 0,
  });
  const deadline = Date.now() + timeoutMs;
  try {
    const ready = await new Promise<Error | undefined>((resolve) => client.waitForReady(deadline, (e) => resolve(e)));
    if (ready) {
      return {
        ok: false,
        output: `timeout: failed to connect service "${addr}" within ${goSeconds(timeoutMs)}: context deadline exceeded`,
      };
    }
    const result = await new Promise<{ err: GrpcJs.ServiceError | null; status?: number }>((resolve) => {
      client.makeUnaryRequest<string, number>(
        CHECK,
        encodeHealthRequest,
        decodeHealthStatus,
        service,
        new grpc.Metadata(),
        { deadline },
        (err, status) => resolve({ err, status }),
      );
    });
    if (result.err) {
      const e = result.err;
      if (e.code === grpc.status.UNIMPLEMENTED) {
        return {
          ok: false,
          output: `error: this server does not implement the grpc health protocol (grpc.health.v1.Health): ${e.details}`,
        };
      }
      if (e.code === grpc.status.DEADLINE_EXCEEDED) {
        return { ok: false, output: `timeout: health rpc did not complete within ${goSeconds(timeoutMs)}` };
      }
      return {
        ok: false,
        output: `error: health rpc probe failed: rpc error: code = ${goCode(grpc.status[e.code])} desc = ${e.details}`,
      };
    }
    const status = result.status ?? 0;
    if (status !== 1) {
      return { ok: false, output: `service unhealthy (responded with "${STATUS[status] ?? String(status)}")` };
    }
    return { ok: true, output: 'service healthy' };
  } finally {
    client.close();
  }
}
