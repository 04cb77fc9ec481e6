// A throwaway registry on 127.0.0.1 (Debian's docker-registry as a plain process, storage in a temp folder):
// the host's engine treats registries on 127.0.0.0/8 as insecure by default, so it can push there as a user's
// engine pushes to a registry it trusts.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

export interface LocalRegistry {
  /** 127.0.0.1:PORT */
  address: string;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

export async function startRegistry(): Promise<LocalRegistry> {
  const tools = spawnSync('bash', [path.join(__dirname, 'lab.sh'), 'tools'], { encoding: 'utf8' });
  if (tools.status !== 0) throw new Error(`docker-registry is missing and could not be installed: ${tools.stderr}`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-registry-'));
  const port = await freePort();
  const address = `127.0.0.1:${port}`;
  fs.writeFileSync(
    path.join(dir, 'config.yml'),
    `version: 0.1\nlog: {level: warn}\nstorage:\n  filesystem: {rootdirectory: ${dir}/data}\n  delete: {enabled: true}\nhttp:\n  addr: ${address}\n`,
  );
  const proc: ChildProcess = spawn('docker-registry', ['serve', path.join(dir, 'config.yml')], { stdio: 'ignore' });
  const until = Date.now() + 20_000;
  for (;;) {
    const ok = await fetch(`http://${address}/v2/`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (proc.exitCode !== null || Date.now() > until) {
      proc.kill('SIGKILL');
      fs.rmSync(dir, { recursive: true, force: true });
      throw new Error(`the registry on ${address} did not answer`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    address,
    async stop() {
      if (proc.exitCode === null) {
        const exited = new Promise((r) => proc.once('exit', r));
        proc.kill('SIGTERM');
        await exited;
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
