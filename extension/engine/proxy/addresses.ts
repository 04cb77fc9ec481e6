// The ClusterIPs as extra addresses of the proxy's interface: `ip addr add IP/32 dev
// eth0` (busybox or iproute2 `ip`, CAP_NET_ADMIN). Other containers on the bridge
// then reach them by ARP, as they reach any container. Only /32 addresses are
// managed, so the interface's own (primary) address is never touched.
import { execFile } from 'node:child_process';
import { errorMessage } from '../util/errors';

export type Runner = (args: string[]) => Promise<string>;

export const runIp: Runner = (args) =>
  new Promise((resolve, reject) => {
    execFile('ip', args, { timeout: 10_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`ip ${args.join(' ')}: ${(stderr || err.message).trim()}`));
      else resolve(stdout);
    });
  });

/** `inet 10.0.128.11/32` entries of `ip -4 -o addr show dev IF`. */
export function parseHostAddresses(out: string): string[] {
  const found: string[] = [];
  for (const m of out.matchAll(/\binet (\d+\.\d+\.\d+\.\d+)\/32\b/g)) found.push(m[1]);
  return found;
}

export class AddressManager {
  private present: Set<string> | undefined;

  constructor(
    readonly iface: string,
    private readonly run: Runner = runIp,
  ) {}

  private async current(): Promise<Set<string>> {
    this.present ??= new Set(parseHostAddresses(await this.run(['-4', '-o', 'addr', 'show', 'dev', this.iface])));
    return this.present;
  }

  /** Adds what is missing; returns the addresses that could not be added, with why. */
  async add(ips: Iterable<string>): Promise<Map<string, string>> {
    const have = await this.current();
    const failed = new Map<string, string>();
    for (const ip of ips) {
      if (have.has(ip)) continue;
      try {
        await this.run(['addr', 'add', `${ip}/32`, 'dev', this.iface]);
        have.add(ip);
      } catch (e) {
        // "File exists": added by an earlier run of this container.
        if (/exists/i.test(errorMessage(e))) have.add(ip);
        else failed.set(ip, errorMessage(e));
      }
    }
    return failed;
  }

  /** Removes every managed address not in `keep`. */
  async retain(keep: ReadonlySet<string>): Promise<void> {
    const have = await this.current();
    for (const ip of [...have]) {
      if (keep.has(ip)) continue;
      // An address already gone is what we want; one that stays is retried by the next retain.
      await this.run(['addr', 'del', `${ip}/32`, 'dev', this.iface]).catch(() => undefined);
      have.delete(ip);
    }
  }
}
