// Probes as a Swarm healthcheck. A task with a healthcheck joins its service's DNS (and so the Service
// proxy's endpoints) only once it is healthy, and Swarm replaces a task that turns unhealthy. Docker has one
// health state per container, so the readiness probe (what gates traffic) is the check when there is one,
// else the liveness probe; a startup probe's budget becomes the start period.
import type Dockerode from 'dockerode';
import type { ContainerSpec, Probe } from '../../model/types';
import { resolveTargetPort } from '../../controller/pod-network';

const SECOND = 1e9;

export interface HealthResult {
  health?: Dockerode.HealthConfig;
  warnings: string[];
}

export function probeHealth(c: ContainerSpec): HealthResult {
  const warnings: string[] = [];
  const probe = c.readinessProbe ?? c.livenessProbe;
  if (!probe) return { warnings };
  if (c.readinessProbe && c.livenessProbe) {
    warnings.push(
      `container ${c.name}: Swarm keeps one health state, so the readiness probe is the healthcheck (a failing one replaces the task) and the liveness probe is not run separately`,
    );
  }
  const test = probeCommand(c, probe);
  if (!test) {
    return {
      warnings: [
        ...warnings,
        `container ${c.name}: the probe names a port the container does not declare; no healthcheck`,
      ],
    };
  }
  const startup = c.startupProbe;
  const startPeriod = startup
    ? startup.initialDelaySeconds + startup.periodSeconds * startup.failureThreshold
    : probe.initialDelaySeconds;
  return {
    health: {
      Test: test,
      Interval: Math.max(1, probe.periodSeconds) * SECOND,
      Timeout: Math.max(1, probe.timeoutSeconds) * SECOND,
      Retries: Math.max(1, probe.failureThreshold),
      StartPeriod: startPeriod * SECOND,
    },
    warnings,
  };
}

/**
 * The check, run inside the container. HTTP and TCP checks need a client in the image: busybox or GNU wget,
 * curl, nc, or node (most images have one of them); exec probes run as written.
 */
export function probeCommand(c: ContainerSpec, p: Probe): string[] | undefined {
  if (p.exec) return ['CMD', ...p.exec.command];
  if (p.httpGet) {
    const port = resolveTargetPort(p.httpGet.port, [c]);
    if (port === undefined) return undefined;
    const scheme = p.httpGet.scheme === 'HTTPS' ? 'https' : 'http';
    const url = `${scheme}://127.0.0.1:${port}${p.httpGet.path.startsWith('/') ? '' : '/'}${p.httpGet.path}`;
    const headers = p.httpGet.httpHeaders;
    const wgetHeaders = headers.map((h) => ` --header ${shellQuote(`${h.name}: ${h.value}`)}`).join('');
    const curlHeaders = headers.map((h) => ` -H ${shellQuote(`${h.name}: ${h.value}`)}`).join('');
    const nodeCheck = `require('${scheme}').get(${JSON.stringify(url)},{rejectUnauthorized:false,headers:${JSON.stringify(Object.fromEntries(headers.map((h) => [h.name, h.value])))}},r=>process.exit(r.statusCode>=200&&r.statusCode<400?0:1)).on('error',()=>process.exit(1))`;
    return [
      'CMD-SHELL',
      `if command -v wget >/dev/null 2>&1; then wget -q -O /dev/null${wgetHeaders} ${shellQuote(url)}; ` +
        `elif command -v curl >/dev/null 2>&1; then curl -fsk -o /dev/null${curlHeaders} ${shellQuote(url)}; ` +
        `else node -e ${shellQuote(nodeCheck)}; fi`,
    ];
  }
  if (p.tcpSocket) {
    const port = resolveTargetPort(p.tcpSocket.port, [c]);
    if (port === undefined) return undefined;
    const nodeCheck = `require('net').connect(${port},'127.0.0.1',()=>process.exit(0)).on('error',()=>process.exit(1))`;
    return [
      'CMD-SHELL',
      `if command -v nc >/dev/null 2>&1; then nc -z 127.0.0.1 ${port}; else node -e ${shellQuote(nodeCheck)}; fi`,
    ];
  }
  return undefined;
}

export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
