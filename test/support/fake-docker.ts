// An in-memory Docker engine with just the calls the controller makes (list,
// create, start, stop, kill, remove, inspect, events, networks). Containers move
// through created → running → exited as a real engine's do, events are streamed
// with the containers' labels, and a test can crash a container, hold a create
// in flight, or make the next call of an operation fail. Decisions are tested
// here; every capability is also tested against the real engine.
import { PassThrough } from 'node:stream';
import type Docker from 'dockerode';
import type { ContainerApi, DockerApi, ListedContainer, ListedNetwork } from '../../extension/engine/docker/api';

export type FakeOp = 'list' | 'create' | 'start' | 'stop' | 'kill' | 'remove';

export interface FakeContainer {
  id: string;
  name: string;
  image: string;
  labels: Record<string, string>;
  state: 'created' | 'running' | 'exited';
  exitCode?: number;
  network?: string;
  ip?: string;
  created: number;
  options: Docker.ContainerCreateOptions;
}

export class FakeDocker implements DockerApi {
  readonly containers = new Map<string, FakeContainer>();
  readonly networks = new Map<string, ListedNetwork>();
  /** Every mutating call, in order: "create NAME", "start NAME", "stop NAME", "kill NAME", "remove NAME". */
  readonly calls: string[] = [];
  private readonly failures = new Map<FakeOp, Error[]>();
  private readonly holds = new Map<FakeOp, Promise<void>>();
  private readonly streams = new Set<PassThrough>();
  private seq = 0;

  /** The next call of `op` throws `err` (queue several to fail several calls). */
  failNext(op: FakeOp, err: Error & { statusCode?: number } = new Error(`${op} failed`)): void {
    this.failures.set(op, [...(this.failures.get(op) ?? []), err]);
  }

  /** Calls of `op` wait until the returned function is called. */
  hold(op: FakeOp): () => void {
    let release!: () => void;
    this.holds.set(op, new Promise<void>((r) => (release = r)));
    return () => {
      this.holds.delete(op);
      release();
    };
  }

  /** The container exits by itself (a crash, or a Job finishing). */
  exit(id: string, code: number): void {
    const c = this.must(id);
    c.state = 'exited';
    c.exitCode = code;
    this.event(c, 'die', { exitCode: String(code) });
  }

  /** Containers of a stack's replicas, by replica label. */
  replicas(label = 'dev.flotilla.replica'): Map<string, FakeContainer[]> {
    const out = new Map<string, FakeContainer[]>();
    for (const c of this.containers.values()) {
      const r = c.labels[label];
      if (r) out.set(r, [...(out.get(r) ?? []), c]);
    }
    return out;
  }

  running(): FakeContainer[] {
    return [...this.containers.values()].filter((c) => c.state === 'running');
  }

  async listContainers(opts: Docker.ContainerListOptions): Promise<ListedContainer[]> {
    await this.step('list');
    if (opts.abortSignal?.aborted) throw Object.assign(new Error('aborted'), { name: 'AbortError' });
    const wanted = labelFilters(opts.filters);
    return [...this.containers.values()]
      .filter((c) => opts.all || c.state === 'running')
      .filter((c) => wanted.every(([k, v]) => (v === undefined ? k in c.labels : c.labels[k] === v)))
      .map((c) => ({
        Id: c.id,
        Names: [`/${c.name}`],
        Image: c.image,
        Created: c.created,
        Labels: { ...c.labels },
        State: c.state,
        Status:
          c.state === 'exited' ? `Exited (${c.exitCode ?? 0}) 1 second ago` : c.state === 'running' ? 'Up' : 'Created',
        NetworkSettings: { Networks: c.network && c.ip ? { [c.network]: { IPAddress: c.ip } } : {} },
      }));
  }

  async createContainer(opts: Docker.ContainerCreateOptions): Promise<{ id: string; start(): Promise<unknown> }> {
    const name = opts.name ?? `c${this.seq}`;
    this.calls.push(`create ${name}`);
    await this.step('create');
    if ([...this.containers.values()].some((c) => c.name === name)) {
      throw Object.assign(new Error(`Conflict. The container name "/${name}" is already in use`), { statusCode: 409 });
    }
    const id = `id${++this.seq}`.padEnd(12, '0');
    const mode = opts.HostConfig?.NetworkMode ?? '';
    const c: FakeContainer = {
      id,
      name,
      image: opts.Image ?? '',
      labels: { ...(opts.Labels ?? {}) },
      state: 'created',
      network: mode.startsWith('container:') ? undefined : mode,
      created: Math.floor(Date.now() / 1000),
      options: opts,
    };
    this.containers.set(id, c);
    this.event(c, 'create');
    return { id, start: () => this.getContainer(id).start() };
  }

  getContainer(id: string): ContainerApi {
    return {
      start: async () => {
        const c = this.must(id);
        this.calls.push(`start ${c.name}`);
        await this.step('start');
        if (c.state === 'running') throw Object.assign(new Error('already started'), { statusCode: 304 });
        c.state = 'running';
        c.exitCode = undefined;
        if (c.network) c.ip = `10.0.0.${(this.seq % 250) + 2}`;
        this.event(c, 'start');
      },
      stop: async () => {
        const c = this.must(id);
        this.calls.push(`stop ${c.name}`);
        await this.step('stop');
        if (c.state !== 'running') throw Object.assign(new Error('not running'), { statusCode: 304 });
        c.state = 'exited';
        c.exitCode = 143;
        this.event(c, 'die', { exitCode: '143' });
      },
      kill: async () => {
        const c = this.must(id);
        this.calls.push(`kill ${c.name}`);
        await this.step('kill');
        c.state = 'exited';
        c.exitCode = 137;
        this.event(c, 'die', { exitCode: '137' });
      },
      remove: async () => {
        const c = this.must(id);
        this.calls.push(`remove ${c.name}`);
        await this.step('remove');
        this.containers.delete(id);
        this.event(c, 'destroy');
      },
      inspect: async () => ({ Id: this.must(id).id }),
    };
  }

  async getEvents(): Promise<NodeJS.ReadableStream> {
    const s = new PassThrough();
    this.streams.add(s);
    s.on('close', () => this.streams.delete(s));
    return s;
  }

  async listNetworks(opts: Docker.NetworkListOptions): Promise<ListedNetwork[]> {
    const wanted = labelFilters(opts.filters);
    const names = filterValues(opts.filters, 'name');
    return [...this.networks.values()].filter(
      (n) => wanted.every(([k, v]) => n.Labels?.[k] === v) && (!names.length || names.some((x) => n.Name.includes(x))),
    );
  }

  async createNetwork(opts: Docker.NetworkCreateOptions): Promise<{ id: string }> {
    const id = `net${++this.seq}`;
    this.networks.set(id, { Id: id, Name: opts.Name, Labels: opts.Labels ?? {} });
    return { id };
  }

  getNetwork(id: string): { remove(): Promise<unknown> } {
    return {
      remove: async () => {
        if (!this.networks.delete(id)) throw Object.assign(new Error('no such network'), { statusCode: 404 });
      },
    };
  }

  /** Ends the event streams (the controller reconnects). */
  close(): void {
    for (const s of this.streams) s.destroy();
  }

  private must(id: string): FakeContainer {
    const c = this.containers.get(id);
    if (!c) throw Object.assign(new Error(`No such container: ${id}`), { statusCode: 404 });
    return c;
  }

  private async step(op: FakeOp): Promise<void> {
    await this.holds.get(op);
    const err = this.failures.get(op)?.shift();
    if (err) throw err;
  }

  private event(c: FakeContainer, action: string, extra: Record<string, string> = {}): void {
    const line = JSON.stringify({
      Type: 'container',
      Action: action,
      Actor: { ID: c.id, Attributes: { ...c.labels, name: c.name, ...extra } },
      timeNano: Date.now() * 1e6,
    });
    for (const s of this.streams) s.write(line + '\n');
  }
}

function filterValues(filters: unknown, key: string): string[] {
  if (!filters || typeof filters !== 'object' || !(key in filters)) return [];
  const v: unknown = Reflect.get(filters, key);
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

function labelFilters(filters: unknown): [string, string | undefined][] {
  return filterValues(filters, 'label').map((l) => {
    const eq = l.indexOf('=');
    return eq < 0 ? [l, undefined] : [l.slice(0, eq), l.slice(eq + 1)];
  });
}
