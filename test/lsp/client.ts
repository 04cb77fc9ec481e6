// A real LSP client for tests: spawns the server from source over stdio and speaks JSON-RPC,
// waiting on publishDiagnostics notifications rather than on timers.
import { fork, spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  createMessageConnection,
  IPCMessageReader,
  IPCMessageWriter,
  StreamMessageReader,
  StreamMessageWriter,
  type MessageConnection,
} from 'vscode-jsonrpc/node';
import type { Diagnostic } from 'vscode-languageserver';

const ROOT = path.resolve(__dirname, '..', '..');

export class TestClient {
  readonly diagnostics = new Map<string, Diagnostic[]>();
  private waiters: { uri: string; pred: (d: Diagnostic[]) => boolean; resolve: (d: Diagnostic[]) => void }[] = [];
  private versions = new Map<string, number>();
  stderr = '';

  private constructor(
    readonly proc: ChildProcess,
    readonly conn: MessageConnection,
  ) {
    conn.onNotification('textDocument/publishDiagnostics', (p: { uri: string; diagnostics: Diagnostic[] }) => {
      this.diagnostics.set(p.uri, p.diagnostics);
      this.waiters = this.waiters.filter((w) => {
        if (w.uri !== p.uri || !w.pred(p.diagnostics)) return true;
        w.resolve(p.diagnostics);
        return false;
      });
    });
    conn.onRequest('client/registerCapability', () => null);
    conn.onRequest('workspace/configuration', (p: { items: unknown[] }) => p.items.map(() => this.config));
  }

  config: unknown = null;

  static async start(
    rootDir: string,
    initializationOptions: Record<string, unknown> = { docker: false },
    transport: 'stdio' | 'ipc' = 'stdio',
  ): Promise<TestClient> {
    const server = path.join(ROOT, 'language-server/src/server.ts');
    const proc =
      transport === 'ipc'
        ? fork(server, ['--node-ipc'], {
            cwd: ROOT,
            execArgv: ['--require', 'tsx/cjs'],
            stdio: ['pipe', 'pipe', 'pipe', 'ipc'],
          })
        : spawn(process.execPath, ['--require', 'tsx/cjs', server, '--stdio'], {
            cwd: ROOT,
            stdio: ['pipe', 'pipe', 'pipe'],
          });
    const conn =
      transport === 'ipc'
        ? createMessageConnection(new IPCMessageReader(proc), new IPCMessageWriter(proc))
        : createMessageConnection(new StreamMessageReader(proc.stdout!), new StreamMessageWriter(proc.stdin!));
    const c = new TestClient(proc, conn);
    proc.stderr!.on('data', (d) => (c.stderr += String(d)));
    conn.listen();
    await conn.sendRequest('initialize', {
      processId: process.pid,
      rootUri: pathToFileURL(rootDir).toString(),
      capabilities: {
        workspace: { configuration: true, didChangeWatchedFiles: { dynamicRegistration: true } },
        textDocument: { publishDiagnostics: {} },
      },
      initializationOptions,
    });
    await conn.sendNotification('initialized', {});
    return c;
  }

  uri(file: string): string {
    return pathToFileURL(file).toString();
  }

  /** Resolves with the first diagnostics (current or future) for uri that satisfy pred. */
  waitFor(uri: string, pred: (d: Diagnostic[]) => boolean = () => true): Promise<Diagnostic[]> {
    const cur = this.diagnostics.get(uri);
    if (cur && pred(cur)) return Promise.resolve(cur);
    return new Promise((resolve) => this.waiters.push({ uri, pred, resolve }));
  }

  /** Opens a document and waits for its next diagnostics. */
  async open(file: string, text: string, languageId = 'yaml'): Promise<Diagnostic[]> {
    const uri = this.uri(file);
    this.diagnostics.delete(uri);
    this.versions.set(uri, 1);
    const p = this.waitFor(uri);
    await this.conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId, version: 1, text } });
    return p;
  }

  async change(file: string, changes: unknown[], pred?: (d: Diagnostic[]) => boolean): Promise<Diagnostic[]> {
    const uri = this.uri(file);
    const version = (this.versions.get(uri) ?? 1) + 1;
    this.versions.set(uri, version);
    this.diagnostics.delete(uri);
    const p = this.waitFor(uri, pred);
    await this.conn.sendNotification('textDocument/didChange', {
      textDocument: { uri, version },
      contentChanges: changes,
    });
    return p;
  }

  request<T>(method: string, params: unknown): Promise<T> {
    return this.conn.sendRequest<T>(method, params);
  }

  async stop(): Promise<void> {
    try {
      await Promise.race([this.conn.sendRequest('shutdown'), new Promise((r) => setTimeout(r, 2000))]);
      await this.conn.sendNotification('exit');
    } catch {
      // already gone
    }
    this.conn.dispose();
    this.proc.kill();
  }
}

export const codes = (d: Diagnostic[]) => d.map((x) => String(x.code));
