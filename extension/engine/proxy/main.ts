// flotilla-proxy: the in-network Service proxy and cluster DNS (bundled as
// dist/proxy.js and run inside a container; see README.md beside this file).
// Plain Node: no dependency outside this repository's balancer and proxy code.
import { parseArgs } from 'node:util';
import { errnoCode, errorMessage } from '../util/errors';
import { AddressManager } from './addresses';
import { DEFAULT_DOMAIN, ClusterDns } from './dns-records';
import { DnsServer } from './dns-server';
import { ProxyServer } from './proxy-server';
import { DnsPollSource, StdinSource, type EndpointSource } from './sources';

export const USAGE = `usage: node proxy.js [options]

Endpoint source (one of):
  --source stdin              JSON lines on stdin, one whole state per line (default)
  --source dns                resolve --lookup every --interval-ms (single-Service mode)

Serving:
  --interface IF              add each ClusterIP to IF as a /32 address (CAP_NET_ADMIN, 'ip' on PATH)
  --listen ADDR               bind every Service port on ADDR instead of its ClusterIP (e.g. 0.0.0.0)
  --dns HOST[:PORT]           answer cluster DNS there (UDP and TCP)
  --dns-upstream HOST[:PORT]  where other names are relayed (default 127.0.0.11:53)
  --domain DOMAIN             cluster domain (default ${DEFAULT_DOMAIN})
  --state-file FILE           keep the last state there and serve it at start (stdin source)
  --algorithm NAME            RoundRobin (default) or LeastConnections
  --hold-ms N                 how long a client waits when every endpoint refuses (default 5000)
  --drain-grace-ms N          how long connections to a removed endpoint may go on (default 30000)

Single-Service mode (--source dns):
  --service NAME              the Service's name (logs, DNS)
  --namespace NS              default "default"
  --lookup NAME               the name whose A records are the endpoints (default tasks.NAME)
  --port PORT[:TARGET][/NAME] a Service port and the endpoints' port (repeatable; TARGET defaults to PORT)
  --interval-ms N             polling interval (default 1000)
`;

export interface ProxyOptions {
  source: 'stdin' | 'dns';
  iface?: string;
  listen?: string;
  dns?: { host: string; port: number };
  dnsUpstream: { host: string; port: number };
  domain: string;
  stateFile?: string;
  algorithm: 'RoundRobin' | 'LeastConnections';
  holdMs?: number;
  drainGraceMs?: number;
  service?: string;
  namespace: string;
  lookup?: string;
  ports: { name?: string; port: number; targetPort: number }[];
  intervalMs: number;
}

export class UsageError extends Error {}

export function parseOptions(argv: string[]): ProxyOptions {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      source: { type: 'string', default: 'stdin' },
      interface: { type: 'string' },
      listen: { type: 'string' },
      dns: { type: 'string' },
      'dns-upstream': { type: 'string', default: '127.0.0.11:53' },
      domain: { type: 'string', default: DEFAULT_DOMAIN },
      'state-file': { type: 'string' },
      algorithm: { type: 'string', default: 'RoundRobin' },
      'hold-ms': { type: 'string' },
      'drain-grace-ms': { type: 'string' },
      service: { type: 'string' },
      namespace: { type: 'string', default: 'default' },
      lookup: { type: 'string' },
      port: { type: 'string', multiple: true, default: [] },
      'interval-ms': { type: 'string', default: '1000' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) throw new UsageError('');
  const source = values.source;
  if (source !== 'stdin' && source !== 'dns') throw new UsageError(`--source must be stdin or dns, got ${source}`);
  const algorithm = values.algorithm;
  if (algorithm !== 'RoundRobin' && algorithm !== 'LeastConnections') {
    throw new UsageError(`--algorithm must be RoundRobin or LeastConnections, got ${algorithm}`);
  }
  const ports = (values.port ?? []).map(parsePort);
  if (source === 'dns') {
    if (!values.service) throw new UsageError('--source dns needs --service NAME');
    if (!ports.length) throw new UsageError('--source dns needs at least one --port PORT[:TARGET]');
    if (!values.listen) throw new UsageError('--source dns needs --listen ADDR (e.g. 0.0.0.0)');
  }
  return {
    source,
    iface: values.interface,
    listen: values.listen,
    dns: values.dns ? hostPort(values.dns, 53, '--dns') : undefined,
    dnsUpstream: hostPort(values['dns-upstream'] ?? '127.0.0.11:53', 53, '--dns-upstream'),
    domain: values.domain ?? DEFAULT_DOMAIN,
    stateFile: values['state-file'],
    algorithm,
    holdMs: optionalInt(values['hold-ms'], '--hold-ms'),
    drainGraceMs: optionalInt(values['drain-grace-ms'], '--drain-grace-ms'),
    service: values.service,
    namespace: values.namespace ?? 'default',
    lookup: values.lookup ?? (values.service ? `tasks.${values.service}` : undefined),
    ports,
    intervalMs: optionalInt(values['interval-ms'], '--interval-ms') ?? 1000,
  };
}

function parsePort(v: string): { name?: string; port: number; targetPort: number } {
  const m = /^(\d+)(?::(\d+))?(?:\/([a-z0-9-]+))?$/i.exec(v);
  const port = Number(m?.[1]);
  const targetPort = m?.[2] !== undefined ? Number(m[2]) : port;
  if (!m || !validPort(port) || !validPort(targetPort)) {
    throw new UsageError(`--port ${v}: expected PORT[:TARGET][/NAME], e.g. 80:8080/http`);
  }
  return { name: m[3], port, targetPort };
}

function validPort(n: number): boolean {
  return Number.isInteger(n) && n >= 1 && n <= 65535;
}

function hostPort(v: string, def: number, flag: string): { host: string; port: number } {
  const m = /^([^:]+)(?::(\d+))?$/.exec(v);
  const port = m?.[2] !== undefined ? Number(m[2]) : def;
  if (!m || !validPort(port)) throw new UsageError(`${flag} ${v}: expected HOST[:PORT]`);
  return { host: m[1], port };
}

function optionalInt(v: string | undefined, flag: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`${flag} ${v}: expected a whole number ≥ 0`);
  return n;
}

export async function runProxy(opts: ProxyOptions, log: (line: string) => void): Promise<() => Promise<void>> {
  const zone = opts.dns ? new ClusterDns({ domain: opts.domain }) : undefined;
  const server = new ProxyServer({
    listenAddress: opts.listen,
    addresses: opts.iface ? new AddressManager(opts.iface) : undefined,
    dns: zone,
    stateFile: opts.source === 'stdin' ? opts.stateFile : undefined,
    algorithm: opts.algorithm,
    holdMs: opts.holdMs,
    drainGraceMs: opts.drainGraceMs,
    log,
  });
  const saved = server.loadSaved();
  if (saved) {
    log(`serving the kept state (${saved.services.length} services) until told otherwise`);
    await server.apply(saved);
  }
  let dnsServer: DnsServer | undefined;
  if (zone && opts.dns) {
    dnsServer = new DnsServer(zone, { host: opts.dns.host, port: opts.dns.port, upstream: opts.dnsUpstream, log });
    await dnsServer.listen();
    log(
      `dns on ${opts.dns.host}:${dnsServer.port} for ${opts.domain}, other names to ${opts.dnsUpstream.host}:${opts.dnsUpstream.port}`,
    );
  }
  const source: EndpointSource =
    opts.source === 'stdin'
      ? new StdinSource(process.stdin, log)
      : new DnsPollSource({
          service: opts.service ?? '',
          namespace: opts.namespace,
          lookup: opts.lookup ?? '',
          ports: opts.ports,
          intervalMs: opts.intervalMs,
          log,
        });
  source.start((state) => void server.apply(state)); // apply() logs its own failures
  log(`ready: endpoints from ${opts.source === 'stdin' ? 'stdin' : `DNS ${opts.lookup}`}`);
  return async () => {
    source.stop();
    dnsServer?.close();
    await server.close();
  };
}

function main(): void {
  const log = (line: string): void => void process.stdout.write(`${new Date().toISOString()} ${line}\n`);
  let opts: ProxyOptions;
  try {
    opts = parseOptions(process.argv.slice(2));
  } catch (e) {
    const msg = e instanceof UsageError || errnoCode(e)?.startsWith('ERR_PARSE_ARGS') ? errorMessage(e) : String(e);
    process.stderr.write(`${msg ? `flotilla-proxy: ${msg}\n\n` : ''}${USAGE}`);
    process.exit(msg ? 2 : 0);
  }
  runProxy(opts, log).then(
    (stop) => {
      const quit = (): void => void stop().finally(() => process.exit(0));
      process.once('SIGTERM', quit);
      process.once('SIGINT', quit);
    },
    (e: unknown) => {
      log(`cannot start: ${errorMessage(e)}`);
      process.exit(1);
    },
  );
}

if (require.main === module) main();
