// One client connection through the balancer, and its current upstream.
//
// Why it is written this way (measured on loopback, see BENCHMARKS.md):
// - both sockets read through `onread` into one shared buffer, not 'data' events: a
//   'data' read costs a 64 KiB allocation plus the Readable stream machinery, while
//   here a read is one callback and one copy of exactly the bytes read (from Node's
//   buffer pool for small chunks). The copy is needed because a write that cannot
//   complete at once keeps a reference to its bytes;
// - backpressure: the callback returns false (Node stops reading the socket) when the
//   other side's buffer is full, and 'drain' resumes it;
// - every handler is a method bound once per connection, and byte counts come from
//   socket.bytesRead/bytesWritten at close, not per chunk.
//
// Failure handling, so that no connection is lost while some endpoint works:
// - a connect error or timeout marks the endpoint as failing and tries the next one,
//   with the client socket kept paused (it was accepted with pauseOnConnect);
// - until the upstream sends its first byte, the client's bytes are kept (up to
//   REPLAY_LIMIT) and, if that upstream resets or closes without answering while the
//   client still waits, they are replayed to another endpoint. This is what saves a
//   request that reached a container at the moment it was killed. Once the upstream
//   has answered, the pair is committed and errors are passed on as they are.

import * as net from 'node:net';
import type { Backend } from './backend';

export const REPLAY_LIMIT = 64 * 1024;
/**
 * At most this many replays per connection: a request that makes every endpoint drop
 * it (a "poison" request) must not crash them all again and again.
 */
export const MAX_REPLAYS = 2;

/** Reads land here; safe to share because every read is copied before the callback returns. */
const READ_BUFFER = Buffer.allocUnsafe(64 * 1024);

function copyOf(buf: Buffer, n: number): Buffer {
  const out = Buffer.allocUnsafe(n);
  buf.copy(out, 0, 0, n);
  return out;
}

/**
 * Takes over an accepted socket's handle so it reads through `onread`. net.Server only
 * offers 'data' reads; the new Socket owns the handle, the old object is dropped
 * unused (so net.Server's own connection count never drops: ServiceBalancer tracks
 * its connections itself and does not wait for server.close()'s callback).
 */
export function adoptAccepted(accepted: net.Socket, onRead: (n: number, buf: Buffer) => boolean): net.Socket {
  // net.Socket's handle is not in its public type; Reflect reads it without pretending it is.
  const handle: unknown = Reflect.get(accepted, '_handle');
  if (!handle) return accepted; // already reset by the peer: reads never come, close does
  // `handle`, `pauseOnCreate` and `onread` are Node options @types/node does not list.
  const opts: net.SocketConstructorOpts & { handle: unknown; pauseOnCreate: boolean; onread: unknown } = {
    handle,
    allowHalfOpen: true,
    pauseOnCreate: true,
    onread: { buffer: READ_BUFFER, callback: onRead },
  };
  return new net.Socket(opts);
}

/** What a Link needs from its balancer. */
export interface LinkHost {
  readonly connectTimeoutMs: number;
  /** Next endpoint to try, excluding those already tried; undefined when none is left. */
  choose(tried: ReadonlySet<Backend>): Backend | undefined;
  /** Called when no endpoint could take the connection; the host may wait and call link.retry(). */
  park(link: Link): void;
  onFailedConnect(b: Backend, err: Error): void;
}

export class Link {
  upstream: net.Socket | undefined;
  backend: Backend | undefined;
  /** When waiting for an endpoint must end (set by the host on the first wait). */
  holdDeadline: number | undefined;
  private tried: Set<Backend> | undefined;
  /** Client bytes kept for a replay; null once committed or past the limit. */
  private kept: Buffer[] | null = [];
  private keptBytes = 0;
  private replays = 0;
  private connected = false;
  private committed = false;
  private clientEnded = false;
  private done = false;

  readonly client: net.Socket;

  constructor(
    accepted: net.Socket,
    private readonly host: LinkHost,
  ) {
    this.onClientData = this.onClientData.bind(this);
    this.onClientEnd = this.onClientEnd.bind(this);
    this.onClientClose = this.onClientClose.bind(this);
    this.onClientDrain = this.onClientDrain.bind(this);
    this.onUpData = this.onUpData.bind(this);
    this.onUpEnd = this.onUpEnd.bind(this);
    this.onUpClose = this.onUpClose.bind(this);
    this.onUpDrain = this.onUpDrain.bind(this);
    this.onUpConnect = this.onUpConnect.bind(this);
    this.onUpError = this.onUpError.bind(this);
    this.onUpTimeout = this.onUpTimeout.bind(this);
    const client = adoptAccepted(accepted, this.onClientData);
    this.client = client;
    client.setNoDelay(true);
    client.on('end', this.onClientEnd);
    client.on('close', this.onClientClose);
    client.on('drain', this.onClientDrain);
    client.on('error', noop); // 'close' follows and carries the outcome
  }

  get closed(): boolean {
    return this.done;
  }

  /** Starts (or restarts after a wait) the search for an endpoint. */
  retry(): void {
    if (this.done) return;
    this.tried = undefined;
    this.connectNext();
  }

  /** Ends the client connection because no endpoint took it in time. */
  giveUp(): void {
    if (this.done) return;
    this.client.destroy();
  }

  /** Drain grace over: cut the connection. */
  destroy(): void {
    this.client.destroy();
    this.upstream?.destroy();
  }

  private connectNext(): void {
    const b = this.host.choose(this.tried ?? EMPTY);
    if (b === undefined) {
      this.host.park(this);
      return;
    }
    const up = net.connect({
      host: b.host,
      port: b.port,
      noDelay: true,
      allowHalfOpen: true,
      onread: { buffer: READ_BUFFER, callback: this.onUpData },
    });
    this.upstream = up;
    this.backend = b;
    this.connected = false;
    b.attach(this);
    up.setTimeout(this.host.connectTimeoutMs);
    up.on('connect', this.onUpConnect);
    up.on('timeout', this.onUpTimeout);
    up.on('error', this.onUpError);
    up.on('end', this.onUpEnd);
    up.on('close', this.onUpClose);
    up.on('drain', this.onUpDrain);
  }

  private onUpConnect(): void {
    const up = this.upstream!;
    up.setTimeout(0);
    this.connected = true;
    this.backend!.connected();
    if (this.kept !== null) for (const chunk of this.kept) up.write(chunk);
    if (this.clientEnded) up.end();
    else if (up.writableNeedDrain) this.client.pause();
    else this.client.resume();
  }

  private onClientData(n: number, buf: Buffer): boolean {
    const chunk = copyOf(buf, n);
    if (this.kept !== null) {
      this.keptBytes += chunk.length;
      if (this.keptBytes > REPLAY_LIMIT) this.kept = null;
      else this.kept.push(chunk);
    }
    if (!this.connected) {
      // A read that raced a pause; its bytes are kept and written on connect.
      if (this.kept === null) this.client.destroy();
      return false;
    }
    return this.upstream!.write(chunk);
  }

  private onUpData(n: number, buf: Buffer): boolean {
    const chunk = copyOf(buf, n);
    if (!this.committed) {
      this.committed = true;
      this.kept = null;
    }
    return this.client.write(chunk);
  }

  private onUpDrain(): void {
    if (!this.clientEnded) this.client.resume();
  }

  private onClientDrain(): void {
    this.upstream?.resume();
  }

  private onClientEnd(): void {
    this.clientEnded = true;
    if (this.connected) this.upstream!.end();
  }

  private onUpEnd(): void {
    if (this.canReplay(false)) return this.replay(new Error('closed before answering'));
    this.client.end();
  }

  private onUpTimeout(): void {
    this.upstream!.destroy(new Error('connect timeout'));
  }

  private onUpError(err: Error): void {
    if (!this.connected) {
      this.host.onFailedConnect(this.backend!, err);
      this.switchUpstream();
      return;
    }
    if (this.canReplay(true)) return this.replay(err);
    this.client.destroy();
  }

  private onUpClose(): void {
    // An upstream we moved away from has no listeners left, so this is the current one.
    const up = this.upstream;
    if (up === undefined) return;
    this.backend!.detach(this, up);
    if (!this.client.destroyed && !this.client.writableEnded) this.client.end();
  }

  private onClientClose(hadError: boolean): void {
    this.done = true;
    const up = this.upstream;
    if (up === undefined) return;
    if (hadError || !this.connected) up.destroy();
    else if (!up.writableEnded) up.end();
  }

  /**
   * A clean close without an answer is replayed only while the client still waits: a
   * client that sent its data and half-closed may have been served in full by a
   * backend that answers nothing, and replaying would deliver the data twice.
   */
  private canReplay(onError: boolean): boolean {
    // Nothing sent yet (keptBytes 0) is the easiest case: the next endpoint gets the whole conversation.
    if (this.committed || this.kept === null || this.done || this.replays >= MAX_REPLAYS) return false;
    return onError || !this.clientEnded;
  }

  private replay(err: Error): void {
    this.replays++;
    this.host.onFailedConnect(this.backend!, err);
    this.switchUpstream();
  }

  /** Drops the current upstream and tries the next endpoint. */
  private switchUpstream(): void {
    const up = this.upstream!;
    const b = this.backend!;
    up.removeAllListeners();
    up.on('error', noop);
    up.destroy();
    b.detach(this, up);
    this.upstream = undefined;
    this.backend = undefined;
    this.connected = false;
    this.client.pause();
    if (this.done) return;
    (this.tried ??= new Set()).add(b);
    this.connectNext();
  }
}

const EMPTY: ReadonlySet<Backend> = new Set();
function noop(): void {}
