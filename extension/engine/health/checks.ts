// One probe attempt: httpGet, tcpSocket, exec or grpc, from the host or from inside the container.
//
// API
//   runCheck(target, probe, timeoutSeconds) → CheckOutcome (never throws)
//   resolvePort(port, containerPorts)       → number, or an Error for an unknown name
//   dockerExec(docker, id, cmd, timeoutMs, env?) → { exitCode, output, timedOut }
//
// Route 'direct' probes the container's IP from the host, like the kubelet probes the pod
// IP. Route 'exec' runs the same check inside the container (see README.md): needed where
// container IPs are not routable from the host (Docker Desktop on macOS and Windows).
// Failure texts follow the kubelet's (pkg/probe/http, tcp, exec).

import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import { PassThrough } from 'node:stream';
import type Docker from 'dockerode';
import type { ContainerPort, HttpGetAction, IntOrString, Probe } from '../model/types';
import { grpcCheck } from './grpc-check';
import type { CheckOutcome } from './probe-state';
import { errorMessage } from '../util/errors';

export type ProbeRoute = 'direct' | 'exec';

export interface CheckTarget {
  docker: Docker;
  containerId: string;
  /** The container's IP on the stack network. */
  address: string;
  ports: ContainerPort[];
  route: ProbeRoute;
}

/** The kubelet's User-Agent, so apps can tell probes from traffic. */
export const PROBE_USER_AGENT = 'kube-probe/1.30';
/** The kubelet reads at most 10 KiB of probe output. */
const MAX_OUTPUT = 10 * 1024;

export function resolvePort(port: IntOrString, ports: ContainerPort[]): number | Error {
  if (typeof port === 'number') return port;
  if (/^\d+$/.test(port)) return Number(port);
  const found = ports.find((p) => p.name === port && p.protocol !== 'UDP');
  return found ? found.containerPort : new Error(`port ${port} not found`);
}

/** `signal` cancels a check from the host (its socket closed at once); the outcome is then a failure nobody reads. */
export async function runCheck(
  target: CheckTarget,
  probe: Probe,
  timeoutSeconds: number,
  signal?: AbortSignal,
): Promise<CheckOutcome> {
  const timeoutMs = Math.max(1, timeoutSeconds) * 1000;
  try {
    if (probe.exec) return await execCheck(target, probe.exec.command, timeoutMs);
    if (probe.httpGet) {
      const port = resolvePort(probe.httpGet.port, target.ports);
      if (port instanceof Error) return { ok: false, output: port.message, errored: true };
      const url = probeUrl(probe.httpGet, target.address, port);
      return target.route === 'direct'
        ? await httpDirect(url, probe.httpGet, timeoutMs, signal)
        : await httpInContainer(target, url, probe.httpGet, timeoutMs);
    }
    if (probe.grpc) {
      // From the host on either route: a gRPC client cannot be assumed inside the user's image.
      return await grpcCheck(target.address, probe.grpc.port, probe.grpc.service, timeoutMs);
    }
    if (probe.tcpSocket) {
      const port = resolvePort(probe.tcpSocket.port, target.ports);
      if (port instanceof Error) return { ok: false, output: port.message, errored: true };
      return target.route === 'direct'
        ? await tcpDirect(target.address, port, timeoutMs, signal)
        : await tcpInContainer(target, port, timeoutMs);
    }
    return { ok: false, output: 'probe has no httpGet, tcpSocket, exec or grpc action', errored: true };
  } catch (err) {
    return { ok: false, output: errorMessage(err), errored: true };
  }
}

export function probeUrl(action: HttpGetAction, host: string, port: number): string {
  const path = action.path ? (action.path.startsWith('/') ? action.path : `/${action.path}`) : '/';
  const h = host.includes(':') ? `[${host}]` : host;
  return `${action.scheme === 'HTTPS' ? 'https' : 'http'}://${h}:${port}${path}`;
}

function probeHeaders(action: HttpGetAction): Record<string, string> {
  const headers: Record<string, string> = { 'User-Agent': PROBE_USER_AGENT, Accept: '*/*' };
  for (const { name, value } of action.httpHeaders ?? []) {
    for (const k of Object.keys(headers)) if (k.toLowerCase() === name.toLowerCase()) delete headers[k];
    headers[name] = value;
  }
  return headers;
}

function httpStatusOutcome(status: number): CheckOutcome {
  return status >= 200 && status < 400
    ? { ok: true, output: '' }
    : { ok: false, output: `HTTP probe failed with statuscode: ${status}` };
}

/** Go's net error wording, which the kubelet passes through. */
function dialError(err: NodeJS.ErrnoException, hostPort: string): string {
  switch (err.code) {
    case 'ECONNREFUSED':
      return `dial tcp ${hostPort}: connect: connection refused`;
    case 'EHOSTUNREACH':
      return `dial tcp ${hostPort}: connect: no route to host`;
    case 'ENETUNREACH':
      return `dial tcp ${hostPort}: connect: network is unreachable`;
    case 'ECONNRESET':
      return `read tcp ${hostPort}: read: connection reset by peer`;
    default:
      return err.message;
  }
}

/**
 * One GET with the kubelet's redirect rule: same-host redirects are followed (at most 10),
 * a redirect to another host ends the probe with that 3xx, which passes. The timeout
 * covers the whole chain, as Go's Client.Timeout does.
 */
function httpDirect(
  url: string,
  action: HttpGetAction,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<CheckOutcome> {
  return new Promise((resolve) => {
    const first = new URL(url);
    let current = url;
    let req: http.ClientRequest | undefined;
    let settled = false;
    const done = (o: CheckOutcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', cancel);
      req?.destroy();
      resolve(o);
    };
    const cancel = (): void => done({ ok: false, output: 'probe cancelled' });
    const timer = setTimeout(
      () =>
        done({
          ok: false,
          output: `Get "${current}": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`,
        }),
      timeoutMs,
    );
    const get = (target: string, redirects: number): void => {
      current = target;
      const u = new URL(target);
      const hostPort = `${u.hostname.replace(/^\[|\]$/g, '')}:${u.port || (u.protocol === 'https:' ? 443 : 80)}`;
      const mod = u.protocol === 'https:' ? https : http;
      // The kubelet skips certificate checks for HTTPS probes, and Go's client tolerates
      // bare-LF line endings: so does this.
      const r = mod.get(
        target,
        { headers: probeHeaders(action), agent: false, rejectUnauthorized: false, insecureHTTPParser: true },
        (res) => {
          res.resume();
          const status = res.statusCode ?? 0;
          const location = res.headers.location;
          if (status >= 300 && status < 400 && location) {
            const next = new URL(location, target);
            const sameHost =
              next.hostname === first.hostname && (next.protocol === 'http:' || next.protocol === 'https:');
            if (sameHost) {
              if (redirects >= 10) return done({ ok: false, output: `Get "${next.href}": stopped after 10 redirects` });
              r.destroy();
              return get(next.href, redirects + 1);
            }
          }
          done(httpStatusOutcome(status));
        },
      );
      // Errors of a request already left for a redirect do not count.
      r.on('error', (err: NodeJS.ErrnoException) => {
        if (r === req) done({ ok: false, output: `Get "${target}": ${dialError(err, hostPort)}` });
      });
      req = r;
    };
    if (signal?.aborted) return cancel();
    signal?.addEventListener('abort', cancel, { once: true });
    get(url, 0);
  });
}

function tcpDirect(host: string, port: number, timeoutMs: number, signal?: AbortSignal): Promise<CheckOutcome> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve({ ok: false, output: 'probe cancelled' });
    const hostPort = `${host}:${port}`;
    const sock = net.connect({ host, port });
    const done = (o: CheckOutcome): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', cancel);
      sock.destroy();
      resolve(o);
    };
    const cancel = (): void => done({ ok: false, output: 'probe cancelled' });
    const timer = setTimeout(() => done({ ok: false, output: `dial tcp ${hostPort}: i/o timeout` }), timeoutMs);
    signal?.addEventListener('abort', cancel, { once: true });
    sock.once('connect', () => done({ ok: true, output: '' }));
    sock.once('error', (err: NodeJS.ErrnoException) => done({ ok: false, output: dialError(err, hostPort) }));
  });
}

async function execCheck(target: CheckTarget, command: string[], timeoutMs: number): Promise<CheckOutcome> {
  const r = await dockerExec(target.docker, target.containerId, command, timeoutMs);
  if (r.timedOut) return { ok: false, output: `command "${command.join(' ')}" timed out` };
  if (r.exitCode === 0) return { ok: true, output: r.output };
  // The kubelet reports the command's output; say something when there is none.
  return { ok: false, output: r.output.trim() || `command "${command.join(' ')}" exited with code ${r.exitCode}` };
}

export interface ExecResult {
  exitCode: number | null;
  output: string;
  timedOut: boolean;
}

/**
 * Run a command in a container and collect stdout+stderr. On timeout the stream is dropped;
 * Docker cannot kill an exec'd process, so a hung command lives on until the container stops.
 */
export async function dockerExec(
  docker: Docker,
  id: string,
  cmd: string[],
  timeoutMs: number,
  env?: string[],
): Promise<ExecResult> {
  const exec = await docker
    .getContainer(id)
    .exec({ Cmd: cmd, Env: env, AttachStdout: true, AttachStderr: true, AttachStdin: false, Tty: false });
  const stream = await exec.start({ hijack: true, stdin: false });
  const chunks: Buffer[] = [];
  let size = 0;
  const sink = new PassThrough();
  sink.on('data', (c: Buffer) => {
    if (size < MAX_OUTPUT) chunks.push(c);
    size += c.length;
  });
  docker.modem.demuxStream(stream, sink, sink);
  const finished = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    const end = (): void => {
      clearTimeout(timer);
      resolve(true);
    };
    stream.once('end', end);
    stream.once('close', end);
    stream.once('error', end);
  });
  const output = Buffer.concat(chunks).toString('utf8').slice(0, MAX_OUTPUT);
  if (!finished) {
    stream.destroy();
    return { exitCode: null, output, timedOut: true };
  }
  const info = await exec.inspect();
  return { exitCode: info.ExitCode ?? null, output, timedOut: false };
}

// ---- Checks from inside the container (route 'exec') ----------------------------------

// sh script: prefer curl, then wget (busybox or GNU), then node. Prints "HTTP/1.1 <code>".
const HTTP_SH = [
  't=$1; u=$2; shift 2',
  'if command -v curl >/dev/null 2>&1; then exec curl -sSk -o /dev/null -m "$t" -w "HTTP/1.1 %{http_code}\\n" "$@" "$u" 2>&1; fi',
  'if command -v wget >/dev/null 2>&1; then',
  '  if command -v timeout >/dev/null 2>&1; then exec timeout "$t" wget -S -q -O /dev/null --no-check-certificate "$@" "$u" 2>&1; fi',
  '  exec wget -S -q -O /dev/null --no-check-certificate "$@" "$u" 2>&1',
  'fi',
  'if command -v node >/dev/null 2>&1; then exec node -e "$NODE_HTTP" "$t" "$u" "$@"; fi',
  'echo "no curl, wget or node in the container to run the probe"; exit 127',
].join('\n');

// node: argv = timeoutSeconds url [--header "Name: value"]...
const NODE_HTTP = [
  'const [t,u,...a]=process.argv.slice(1);const h={};',
  "for(let i=0;i+1<a.length;i+=2){const s=a[i+1];const k=s.indexOf(':');h[s.slice(0,k).trim()]=s.slice(k+1).trim();}",
  "const m=u.startsWith('https:')?require('https'):require('http');",
  "const r=m.get(u,{headers:h,rejectUnauthorized:false},s=>{console.log('HTTP/1.1 '+s.statusCode);process.exit(0)});",
  "r.setTimeout(t*1000,()=>{console.log('timeout');process.exit(1)});",
  "r.on('error',e=>{console.log(e.message);process.exit(1)});",
].join('');

const TCP_SH = [
  't=$1; h=$2; p=$3',
  'if command -v nc >/dev/null 2>&1; then',
  // -z where supported; busybox nc lacks it but exits as soon as stdin ends.
  '  nc -z -w "$t" "$h" "$p" </dev/null >/dev/null 2>&1 && exit 0',
  '  exec nc -w "$t" "$h" "$p" </dev/null 2>&1 >/dev/null',
  'fi',
  'if command -v node >/dev/null 2>&1; then exec node -e "$NODE_TCP" "$t" "$h" "$p"; fi',
  'echo "no nc or node in the container to run the probe"; exit 127',
].join('\n');

const NODE_TCP = [
  'const [t,h,p]=process.argv.slice(1);',
  "const s=require('net').connect(+p,h,()=>process.exit(0));",
  "s.setTimeout(t*1000,()=>{console.log('i/o timeout');process.exit(1)});",
  "s.on('error',e=>{console.log(e.message);process.exit(1)});",
].join('');

/** Run the sh script; for images without a shell, try node directly. */
async function runInContainer(
  target: CheckTarget,
  sh: string,
  nodeScript: string,
  args: string[],
  timeoutMs: number,
): Promise<ExecResult> {
  const env = [`NODE_HTTP=${NODE_HTTP}`, `NODE_TCP=${NODE_TCP}`];
  const withSh = await dockerExec(target.docker, target.containerId, ['sh', '-c', sh, 'sh', ...args], timeoutMs, env);
  if (!isMissingExecutable(withSh)) return withSh;
  return dockerExec(target.docker, target.containerId, ['node', '-e', nodeScript, ...args], timeoutMs);
}

function isMissingExecutable(r: ExecResult): boolean {
  return (
    (r.exitCode === 126 || r.exitCode === 127) && /executable file not found|no such file or directory/i.test(r.output)
  );
}

async function httpInContainer(
  target: CheckTarget,
  url: string,
  action: HttpGetAction,
  timeoutMs: number,
): Promise<CheckOutcome> {
  const headerArgs = Object.entries(probeHeaders(action)).flatMap(([k, v]) => ['--header', `${k}: ${v}`]);
  const r = await runInContainer(
    target,
    HTTP_SH,
    NODE_HTTP,
    [String(Math.ceil(timeoutMs / 1000)), url, ...headerArgs],
    timeoutMs + 2000,
  );
  if (r.timedOut) {
    return {
      ok: false,
      output: `Get "${url}": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`,
    };
  }
  const codes = [...r.output.matchAll(/HTTP\/\d(?:\.\d)? (\d{3})/g)];
  const last = codes.length > 0 ? Number(codes[codes.length - 1][1]) : 0;
  if (last > 0) return httpStatusOutcome(last);
  const detail = r.output.trim().split('\n').pop() || `exit code ${r.exitCode}`;
  return { ok: false, output: `Get "${url}": ${detail}` };
}

async function tcpInContainer(target: CheckTarget, port: number, timeoutMs: number): Promise<CheckOutcome> {
  const r = await runInContainer(
    target,
    TCP_SH,
    NODE_TCP,
    [String(Math.ceil(timeoutMs / 1000)), target.address, String(port)],
    timeoutMs + 2000,
  );
  if (r.exitCode === 0) return { ok: true, output: '' };
  const hostPort = `${target.address}:${port}`;
  if (r.timedOut) return { ok: false, output: `dial tcp ${hostPort}: i/o timeout` };
  if (/refused/i.test(r.output)) return { ok: false, output: `dial tcp ${hostPort}: connect: connection refused` };
  return {
    ok: false,
    output: `dial tcp ${hostPort}: ${r.output.trim().split('\n').pop() || `exit code ${r.exitCode}`}`,
  };
}
