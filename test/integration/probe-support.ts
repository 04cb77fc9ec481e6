// Shared set-up for the health real-engine tests: a labelled network and busybox
// containers whose health can be flipped through `docker exec`.
import { randomBytes } from 'node:crypto';
import Docker from 'dockerode';
import { LABELS, networkName } from '../../extension/engine/docker/labels';
import { ensureBusyboxImage } from '../support/base-images';
import { dockerExec } from '../../extension/engine/health/checks';

/** A CGI health endpoint: 200, or 500 while /tmp/fail exists. */
const HEALTH_CGI =
  '#!/bin/sh\nif [ -f /tmp/fail ]; then echo "Status: 500 Internal Server Error"; fi\necho "Content-Type: text/plain"\necho\necho ok\n';

/** busybox httpd on :8080 serving /cgi-bin/health (see HEALTH_CGI) and /cgi-bin/ready (fails while /tmp/unready exists). */
export const HTTPD_CMD = [
  'sh',
  '-c',
  [
    'mkdir -p /www/cgi-bin /tmp',
    `printf '%s' '${HEALTH_CGI}' > /www/cgi-bin/health`,
    `sed 's#/tmp/fail#/tmp/unready#' /www/cgi-bin/health > /www/cgi-bin/ready`,
    'chmod +x /www/cgi-bin/*',
    'exec httpd -f -p 8080 -h /www',
  ].join(' && '),
];

export class HealthTestEnv {
  readonly docker = new Docker();
  readonly stack = `test-health-${randomBytes(4).toString('hex')}`;
  readonly network = networkName(this.stack);
  image = '';

  async setup(): Promise<void> {
    this.image = await ensureBusyboxImage(this.docker);
    await this.docker.createNetwork({ Name: this.network, Labels: { [LABELS.stack]: this.stack } });
  }

  /** Create and start a labelled container on the stack network; returns its id and IP. */
  async run(
    name: string,
    cmd: string[],
    opts: { init?: boolean; stopSignal?: string } = {},
  ): Promise<{ id: string; ip: string }> {
    const c = await this.docker.createContainer({
      name: `${this.stack}-${name}`,
      Image: this.image,
      Cmd: cmd,
      Labels: { [LABELS.stack]: this.stack, [LABELS.replica]: name },
      StopSignal: opts.stopSignal,
      HostConfig: { Init: opts.init ?? true, NetworkMode: this.network },
    });
    await c.start();
    const info = await c.inspect();
    const ip = info.NetworkSettings.Networks[this.network]?.IPAddress ?? '';
    return { id: c.id, ip };
  }

  /** Run a command to completion inside a container (flip its health). */
  async exec(id: string, cmd: string[]): Promise<void> {
    const r = await dockerExec(this.docker, id, cmd, 30_000);
    if (r.exitCode !== 0) throw new Error(`${cmd.join(' ')} exited ${r.exitCode}: ${r.output}`);
  }

  /** Remove only what this test labelled. */
  async teardown(): Promise<void> {
    const filters = { label: [`${LABELS.stack}=${this.stack}`] };
    const containers = await this.docker.listContainers({ all: true, filters });
    await Promise.all(
      containers.map((c) =>
        this.docker
          .getContainer(c.Id)
          .remove({ force: true })
          .catch(() => undefined),
      ),
    );
    const networks = await this.docker.listNetworks({ filters });
    await Promise.all(
      networks.map((n) =>
        this.docker
          .getNetwork(n.Id)
          .remove()
          .catch(() => undefined),
      ),
    );
  }
}

/** Resolves when `cond` holds; polls the in-memory state only, never Docker. */
export function until(cond: () => boolean, what: string, ms = 60_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const t = setInterval(() => {
      if (cond()) {
        clearInterval(t);
        resolve();
      } else if (Date.now() - started > ms) {
        clearInterval(t);
        reject(new Error(`timed out waiting for ${what}`));
      }
    }, 10);
  });
}
