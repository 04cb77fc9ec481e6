// Docker's event stream, filtered to one stack's containers. Events only wake the
// controller (enqueue a deployment key); they carry no state it relies on. When
// the engine goes away the stream ends: we report it and reconnect with backoff.
import { EventEmitter } from 'node:events';
import { asError } from '../util/errors';
import type { DockerApi } from './api';
import { LineSplitter } from '../util/lines';
import { LABELS } from './labels';

export interface ContainerEvent {
  action: string; // start, die, oom, destroy, kill, health_status...
  id: string;
  replica?: string;
  deployment?: string;
  exitCode?: number;
  /** The manifest container it runs (init containers: `initContainer` is set). */
  container?: string;
  initContainer?: boolean;
  /** `sandbox` for a pod's pause container (see LABELS.role). */
  role?: string;
  time: number; // epoch ms
}

/**
 * The events that change what a listing shows. Exec probes, attaches and file copies also make
 * container events (several per probe); the engine leaves them out, so they cost nothing here.
 */
const LIFECYCLE = [
  'create',
  'start',
  'restart',
  'die',
  'stop',
  'destroy',
  'oom',
  'pause',
  'unpause',
  'rename',
  'update',
];

export interface StackEventsEvents {
  container: [ContainerEvent];
  connected: [];
  disconnected: [Error];
}

export class StackEvents extends EventEmitter<StackEventsEvents> {
  private stream?: NodeJS.ReadableStream;
  private stopped = false;
  private retryMs = 250;
  private timer?: NodeJS.Timeout;
  connected = false;

  constructor(
    private readonly docker: DockerApi,
    private readonly stack: string,
  ) {
    super();
  }

  start(): void {
    this.stopped = false;
    void this.open(); // open() catches every failure itself and reconnects
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    if (this.stream) destroy(this.stream);
    this.stream = undefined;
  }

  private async open(): Promise<void> {
    if (this.stopped) return;
    try {
      const stream = await this.docker.getEvents({
        filters: { type: ['container'], label: [`${LABELS.stack}=${this.stack}`], event: [...LIFECYCLE] },
      });
      if (this.stopped) return destroy(stream);
      this.stream = stream;
      this.retryMs = 250;
      this.connected = true;
      this.emit('connected');
      const lines = new LineSplitter((line) => {
        if (line.trim()) this.onLine(line.trim());
      });
      stream.on('data', (chunk: Buffer) => lines.push(chunk));
      const ended = (err?: Error) => {
        if (this.stream !== stream) return;
        this.stream = undefined;
        this.lost(err ?? new Error('Docker event stream ended'));
      };
      stream.on('end', () => ended());
      stream.on('close', () => ended());
      stream.on('error', (e: Error) => ended(e));
    } catch (e) {
      this.lost(asError(e));
    }
  }

  private lost(err: Error): void {
    if (this.connected) {
      this.connected = false;
      this.emit('disconnected', err);
    }
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.open(), this.retryMs); // open() never rejects
    this.retryMs = Math.min(this.retryMs * 2, 5000);
  }

  private onLine(line: string): void {
    let e: {
      Action?: string;
      status?: string;
      id?: string;
      Actor?: { ID?: string; Attributes?: Record<string, string> };
      timeNano?: number;
      time?: number;
    };
    try {
      e = JSON.parse(line);
    } catch {
      return; // not an event line; events only wake the loop, and the resync covers a lost one
    }
    const attrs = e.Actor?.Attributes ?? {};
    const action = (e.Action ?? e.status ?? '').split(':')[0];
    this.emit('container', {
      action,
      id: e.Actor?.ID ?? e.id ?? '',
      replica: attrs[LABELS.replica],
      deployment: attrs[LABELS.deployment],
      exitCode: attrs.exitCode !== undefined ? Number(attrs.exitCode) : undefined,
      container: attrs[LABELS.container],
      initContainer: attrs[LABELS.initContainer] !== undefined,
      role: attrs[LABELS.role],
      time: e.timeNano ? Math.floor(e.timeNano / 1e6) : (e.time ?? Date.now() / 1000) * 1000,
    });
  }
}

/** Closes an event stream; dockerode hands out an http.IncomingMessage, which can be destroyed. */
function destroy(stream: NodeJS.ReadableStream): void {
  if ('destroy' in stream && typeof stream.destroy === 'function') stream.destroy();
}
