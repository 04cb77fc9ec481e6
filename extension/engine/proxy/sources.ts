// Where the proxy learns its state:
// - stdin: JSON lines pushed by the controller (whole state per line), attached
//   through the Engine API. A line that does not parse is logged and skipped (a
//   controller killed mid-line leaves half a line; the next attach starts with a
//   newline and the full state). When stdin ends the last state keeps being served.
// - DNS polling (single-Service mode, Swarm): resolve a name such as
//   `tasks.<service>` every interval; its A records are the endpoints. A query gets
//   one interval to answer: while a service has no healthy task, Docker's DNS relays
//   the name upstream, and c-ares' default retries (about 25 s when upstream is
//   unreachable) would hide the first Ready task that long.
import { promises as dns } from 'node:dns';
import { errnoCode, errorMessage } from '../util/errors';
import type { ProxyPort, ProxyState } from './protocol';
import { parseStateMessage } from './protocol';

export type StateHandler = (state: ProxyState) => void;

export interface EndpointSource {
  start(onState: StateHandler): void;
  stop(): void;
}

export class StdinSource implements EndpointSource {
  private buf = '';

  constructor(
    private readonly input: NodeJS.ReadableStream,
    private readonly log: (line: string) => void,
  ) {}

  start(onState: StateHandler): void {
    this.input.setEncoding('utf8');
    this.input.on('data', (chunk: string | Buffer) => {
      this.buf += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
      let nl: number;
      while ((nl = this.buf.indexOf('\n')) >= 0) {
        const line = this.buf.slice(0, nl).trim();
        this.buf = this.buf.slice(nl + 1);
        if (!line) continue;
        try {
          onState(parseStateMessage(line));
        } catch (e) {
          this.log(`skipped a line on stdin (${errorMessage(e)}): ${line.slice(0, 80)}`);
        }
      }
    });
    this.input.on('end', () => this.log('stdin closed: serving the last state'));
  }

  stop(): void {
    this.input.removeAllListeners('data');
  }
}

export interface DnsPollOptions {
  service: string;
  namespace: string;
  /** The name whose A records are the endpoints, e.g. `tasks.web`. */
  lookup: string;
  ports: { name?: string; port: number; targetPort: number }[];
  intervalMs: number;
  resolve4?: (name: string) => Promise<string[]>;
  log: (line: string) => void;
}

/** Errors meaning "no such name / no address": the Service has no endpoint right now. */
const EMPTY_CODES = new Set(['ENOTFOUND', 'ENODATA', 'NXDOMAIN', 'NOTFOUND']);

export class DnsPollSource implements EndpointSource {
  private timer: NodeJS.Timeout | undefined;
  private last: string | undefined;
  /** The last lookup error logged: a name that keeps failing is logged once, not every interval. */
  private lastError: string | undefined;
  private stopped = false;

  constructor(private readonly opts: DnsPollOptions) {}

  start(onState: StateHandler): void {
    const resolver = new dns.Resolver({ timeout: Math.max(250, this.opts.intervalMs), tries: 1 });
    const resolve4 = this.opts.resolve4 ?? ((n: string) => resolver.resolve4(n));
    const tick = async (): Promise<void> => {
      let ips: string[] | undefined;
      try {
        ips = [...new Set(await resolve4(this.opts.lookup))].sort();
      } catch (e) {
        const code = errnoCode(e) ?? '';
        if (EMPTY_CODES.has(code)) ips = [];
        else if (errorMessage(e) !== this.lastError) {
          this.lastError = errorMessage(e);
          this.opts.log(`resolving ${this.opts.lookup}: ${this.lastError}; keeping the last endpoints`);
        }
      }
      if (ips !== undefined) {
        this.lastError = undefined;
        const key = ips.join(',');
        if (key !== this.last) {
          this.last = key;
          onState(this.state(ips));
        }
      }
      if (!this.stopped) this.timer = setTimeout(() => void tick(), this.opts.intervalMs);
    };
    void tick(); // errors are caught inside
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  state(ips: string[]): ProxyState {
    const ports: ProxyPort[] = this.opts.ports.map((p) => ({
      name: p.name,
      port: p.port,
      protocol: 'TCP',
      endpoints: ips.map((ip) => ({ replica: ip, ip, port: p.targetPort })),
    }));
    return { services: [{ name: this.opts.service, namespace: this.opts.namespace, ports, pods: [] }] };
  }
}
