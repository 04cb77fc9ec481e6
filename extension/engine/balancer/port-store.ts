// <stackDir>/.flotilla/ports.json: the host port chosen for each Service port, so a
// stack's URLs stay the same across runs. Written atomically (temp file + rename).

import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { STATE_DIR } from '../api/protocol';
import { planHostPort, portKey } from './ports';
import { isRecord } from '../util/errors';

export const PORTS_FILE = 'ports.json';

interface PortsFile {
  version: 1;
  ports: Record<string, number>;
}

export class PortStore {
  readonly file: string;

  constructor(stackDir: string) {
    this.file = path.join(stackDir, STATE_DIR, PORTS_FILE);
  }

  read(): Record<string, number> {
    try {
      const data: unknown = JSON.parse(fs.readFileSync(this.file, 'utf8'));
      const ports = isRecord(data) && isRecord(data.ports) ? data.ports : {};
      const out: Record<string, number> = {};
      for (const [k, v] of Object.entries(ports)) {
        if (typeof v === 'number' && Number.isInteger(v) && v > 0 && v < 65536) out[k] = v;
      }
      return out;
    } catch {
      return {}; // no ports chosen yet: each Service gets a fresh one
    }
  }

  write(ports: Record<string, number>): void {
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    const body: PortsFile = { version: 1, ports };
    fs.writeFileSync(tmp, JSON.stringify(body, null, 2) + '\n');
    fs.renameSync(tmp, this.file);
  }

  /**
   * The host port for a Service port: nodePort, else stored, else a newly chosen free
   * one (then stored). Never moves a fixed port; the caller reports its clash.
   */
  async resolve(service: string, port: number, nodePort: number | undefined, bindAddress: string): Promise<number> {
    const stored = this.read();
    const key = portKey(service, port);
    const plan = planHostPort({ key, nodePort, stored });
    if (plan.kind === 'fixed') return plan.port;
    for (const candidate of plan.candidates) {
      if (await isFree(candidate, bindAddress)) {
        this.write({ ...this.read(), [key]: candidate });
        return candidate;
      }
    }
    throw new Error(`no free host port found for ${key}`);
  }
}

export function isFree(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen({ port, host, exclusive: true }, () => s.close(() => resolve(true)));
  });
}
