// Clients' side of the control API, plus status without a controller: the CLI
// and the extension use the same code whether or not `flotilla up` is running.
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { stateDir } from '../controller/state-store';
import { LineSplitter } from '../util/lines';
import {
  CONTROLLER_HANDLE_FILE,
  type ControllerHandle,
  type ControlRequests,
  type ControlResponse,
  type StackStatus,
  type WatchMessage,
  isControllerHandle,
} from './protocol';
import { errnoCode, isRecord } from '../util/errors';

export class ControllerClient {
  private constructor(readonly handle: ControllerHandle) {}

  /** The running controller of the stack in `stackDir`, or undefined when none answers. */
  static async connect(stackDir: string): Promise<ControllerClient | undefined> {
    let handle: unknown;
    try {
      handle = JSON.parse(fs.readFileSync(path.join(stateDir(stackDir), CONTROLLER_HANDLE_FILE), 'utf8'));
    } catch {
      return undefined; // no handle file (or a torn one): no controller runs
    }
    if (!isControllerHandle(handle) || !processAlive(handle.pid)) return undefined;
    const client = new ControllerClient(handle);
    // A small request, not a whole status: a large stack's status is built and sent once, by the caller.
    return (await client.alive(2000)) ? client : undefined;
  }

  /** Whether the controller answers (an older one without /v1/ping answers 404, which counts). */
  private alive(timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port: this.handle.port,
          path: '/v1/ping',
          headers: this.headers(),
          timeout: timeoutMs,
        },
        (res) => {
          res.resume();
          resolve(res.statusCode === 200 || res.statusCode === 404);
        },
      );
      req.on('timeout', () => req.destroy(new Error('no answer')));
      req.on('error', () => resolve(false)); // a handle left by a controller that no longer answers
      req.end();
    });
  }

  status(timeoutMs = 10_000): Promise<StackStatus> {
    return this.request<StackStatus>('GET', '/v1/status', undefined, timeoutMs);
  }

  async post<K extends keyof ControlRequests>(
    route: K,
    body: ControlRequests[K],
    timeoutMs = 60_000,
  ): Promise<ControlResponse> {
    return this.request<ControlResponse>('POST', route, body, timeoutMs);
  }

  /** Streams status snapshots and events until `signal` aborts or the controller goes away. */
  watch(onMessage: (m: WatchMessage) => void, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const req = http.request(
        { host: '127.0.0.1', port: this.handle.port, path: '/v1/watch', headers: this.headers() },
        (res) => {
          if (res.statusCode !== 200) {
            res.resume();
            return reject(new Error(`watch refused: HTTP ${res.statusCode}`));
          }
          const lines = new LineSplitter((line) => {
            if (!line.trim()) return;
            const m: unknown = JSON.parse(line);
            if (isWatchMessage(m)) onMessage(m);
          });
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => lines.push(chunk));
          res.on('end', () => resolve());
          res.on('error', () => resolve());
        },
      );
      req.on('error', (e) => (signal?.aborted ? resolve() : reject(e)));
      signal?.addEventListener(
        'abort',
        () => {
          req.destroy();
          resolve();
        },
        { once: true },
      );
      req.end();
    });
  }

  private headers(): Record<string, string> {
    return { authorization: `Bearer ${this.handle.token}`, 'content-type': 'application/json' };
  }

  private request<T>(method: string, route: string, body: unknown, timeoutMs: number): Promise<T> {
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port: this.handle.port,
          path: route,
          method,
          headers: this.headers(),
          timeout: timeoutMs,
          // A connection per request: a kept-alive socket the controller closes after its idle
          // timeout (5 s) while a request is being sent on it fails with "socket hang up", and a
          // POST cannot be sent again safely. On loopback a new connection costs well under 1 ms.
          agent: false,
        },
        (res) => {
          let raw = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (raw += c));
          res.on('end', () => {
            try {
              // The controller's answer for this route: its shape is the protocol's, as typed by the caller.
              const v: T = JSON.parse(raw);
              if ((res.statusCode ?? 500) >= 400) {
                const message = isRecord(v) && typeof v.message === 'string' ? v.message : `HTTP ${res.statusCode}`;
                reject(new Error(message));
              } else resolve(v);
            } catch (e) {
              reject(e);
            }
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`controller did not answer ${route} within ${timeoutMs} ms`)));
      req.on('error', reject);
      req.end(body === undefined ? undefined : JSON.stringify(body));
    });
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return errnoCode(e) === 'EPERM'; // alive, but another user's
  }
}

function isWatchMessage(m: unknown): m is WatchMessage {
  return isRecord(m) && ((m.kind === 'status' && isRecord(m.status)) || (m.kind === 'event' && isRecord(m.event)));
}
