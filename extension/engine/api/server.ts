// The controller's control API: HTTP on 127.0.0.1 only, every request carrying
// the bearer token from .flotilla/controller.json (readable by the stack's owner
// alone), so other local users and web pages cannot drive the stack.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import type { StackController } from '../controller/controller';
import { stateDir } from '../controller/state-store';
import {
  CONTROLLER_HANDLE_FILE,
  isControllerHandle,
  type ControllerHandle,
  type ControlRequests,
  type ControlResponse,
  type WatchMessage,
  type BuildProgress,
} from './protocol';
import { errorMessage, isRecord } from '../util/errors';

export interface ControlServerHooks {
  reload(): Promise<string>;
  shutdown(down: boolean): Promise<void>;
}

export class ControlServer {
  private server?: http.Server;
  private readonly token = randomBytes(24).toString('hex');
  private readonly watchers = new Set<http.ServerResponse>();
  private statusTimer?: NodeJS.Timeout;
  private tick?: NodeJS.Timeout;
  private lastStatus = '';
  private handleFile: string;

  constructor(
    private readonly ctl: StackController,
    private readonly hooks: ControlServerHooks,
  ) {
    this.handleFile = path.join(stateDir(ctl.stack.dir), CONTROLLER_HANDLE_FILE);
  }

  async listen(): Promise<ControllerHandle> {
    // route() answers every failure itself (400 with the message), so its promise never rejects.
    this.server = http.createServer((req, res) => void this.route(req, res));
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(0, '127.0.0.1', () => resolve());
    });
    const address = this.server.address();
    if (!address || typeof address === 'string') throw new Error('control API: no TCP address after listen');
    const handle: ControllerHandle = {
      pid: process.pid,
      port: address.port,
      token: this.token,
      startedAt: this.ctl.startedAt,
      stack: this.ctl.stack.name,
    };
    fs.mkdirSync(path.dirname(this.handleFile), { recursive: true });
    fs.writeFileSync(this.handleFile, JSON.stringify(handle, null, 2), { mode: 0o600 });
    this.ctl.on('event', (event) => this.broadcast({ kind: 'event', event }));
    // Status snapshots are coalesced: a burst of changes becomes one message.
    this.ctl.on('changed', () => {
      if (this.statusTimer || !this.watchers.size) return;
      this.statusTimer = setTimeout(() => {
        this.statusTimer = undefined;
        this.sendStatus();
      }, 100);
    });
    // Counters that move without a state change (connections, bytes, CPU, backoff
    // countdowns) are re-sent every 2 s, and only when they changed. This reads the
    // controller's memory, never Docker.
    this.tick = setInterval(() => {
      if (this.watchers.size) this.sendStatus();
    }, 2000);
    this.tick.unref();
    return handle;
  }

  async close(): Promise<void> {
    clearTimeout(this.statusTimer);
    clearInterval(this.tick);
    for (const w of this.watchers) w.end();
    this.watchers.clear();
    try {
      const h: unknown = JSON.parse(fs.readFileSync(this.handleFile, 'utf8'));
      if (isControllerHandle(h) && h.pid === process.pid) fs.unlinkSync(this.handleFile);
    } catch {
      // already gone
    }
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  private sendStatus(): void {
    const status = this.ctl.status();
    const json = JSON.stringify(status);
    if (json === this.lastStatus) return;
    this.lastStatus = json;
    this.broadcast({ kind: 'status', status });
  }

  /** A rebuild's progress (a saved Dockerfile), to everyone watching. */
  broadcastBuild(build: BuildProgress): void {
    this.broadcast({ kind: 'build', build });
  }

  private broadcast(m: WatchMessage): void {
    const line = JSON.stringify(m) + '\n';
    for (const w of this.watchers) w.write(line);
  }

  private authorized(req: http.IncomingMessage): boolean {
    const got = Buffer.from(String(req.headers.authorization ?? ''));
    const want = Buffer.from(`Bearer ${this.token}`);
    return got.length === want.length && timingSafeEqual(got, want);
  }

  private async route(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const send = (code: number, body: unknown) => {
      res.writeHead(code, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (!this.authorized(req)) return send(401, { ok: false, message: 'missing or wrong token' });
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    try {
      if (req.method === 'GET' && url.pathname === '/v1/ping') return send(200, { ok: true });
      if (req.method === 'GET' && url.pathname === '/v1/status') return send(200, this.ctl.status());
      if (req.method === 'GET' && url.pathname === '/v1/watch') {
        res.writeHead(200, { 'content-type': 'application/x-ndjson', 'cache-control': 'no-cache' });
        res.write(JSON.stringify({ kind: 'status', status: this.ctl.status() } satisfies WatchMessage) + '\n');
        this.watchers.add(res);
        req.on('close', () => this.watchers.delete(res));
        return;
      }
      if (req.method !== 'POST') return send(404, { ok: false, message: `no route ${req.method} ${url.pathname}` });
      const body = await readJson(req);
      const reply = (message: string): void => send(200, { ok: true, message } satisfies ControlResponse);
      const route = url.pathname;
      if (!isRoute(route)) return send(404, { ok: false, message: `no route POST ${route}` });
      switch (route) {
        case '/v1/scale': {
          // A delta is applied to the count in force when it arrives: requests are handled one
          // at a time, in order, so quick +1 clicks add up. The answer says the count now.
          const deployment = String(body.deployment);
          const message =
            body.reset === true
              ? this.ctl.resetScale(deployment)
              : body.delta !== undefined
                ? this.ctl.scaleBy(deployment, Number(body.delta))
                : this.ctl.scale(deployment, Number(body.replicas));
          const spec = this.ctl.stack.deployments.find((d) => d.name === deployment);
          const replicas = spec ? this.ctl.desiredReplicas(spec) : undefined;
          return send(200, { ok: true, message, replicas } satisfies ControlResponse);
        }
        case '/v1/restart':
          return reply(this.ctl.restart(String(body.deployment)));
        case '/v1/replica/restart':
          return reply(await this.ctl.restartReplica(String(body.replica)));
        case '/v1/replica/kill':
          return reply(await this.ctl.killReplica(String(body.replica)));
        case '/v1/reload':
          return reply(await this.hooks.reload());
        case '/v1/usage': {
          const replicas = Array.isArray(body.replicas)
            ? body.replicas.filter((r): r is string => typeof r === 'string')
            : [];
          this.ctl.requestUsage(replicas);
          return reply(`reading the usage of ${replicas.length} replica(s)`);
        }
        case '/v1/shutdown':
          reply(body.down ? 'stopping and removing the stack' : 'stopping the controller');
          // The shutdown hook reports its own failure (up.ts stopOnce), so nothing is lost by not awaiting it.
          setImmediate(() => void this.hooks.shutdown(body.down === true));
          return;
      }
    } catch (e) {
      send(400, { ok: false, message: errorMessage(e) } satisfies ControlResponse);
    }
  }
}

async function readJson(req: http.IncomingMessage): Promise<Record<string, unknown>> {
  let raw = '';
  for await (const chunk of req) {
    raw += chunk;
    if (raw.length > 65536) throw new Error('request body too large');
  }
  if (!raw) return {};
  const v: unknown = JSON.parse(raw);
  if (!isRecord(v)) throw new Error('request body must be a JSON object');
  return v;
}

const ROUTES: readonly (keyof ControlRequests)[] = [
  '/v1/scale',
  '/v1/restart',
  '/v1/replica/restart',
  '/v1/replica/kill',
  '/v1/reload',
  '/v1/usage',
  '/v1/shutdown',
];

function isRoute(p: string): p is keyof ControlRequests {
  return ROUTES.some((r) => r === p);
}
