// The `flotilla.*` settings as one typed Config that follows changes, and their translation
// into the environment the CLI reads, so terminal users and the extension configure the
// engine the same way. Nothing else reads the settings.
import * as vscode from 'vscode';

export interface FlotillaSettings {
  dockerHost: string;
  nodePool: { count: number; cpu: string; memory: string };
  bindAddress: string;
  backoffBaseSeconds: number | null;
  backoffMaxSeconds: number | null;
  terminationGracePeriodSeconds: number | null;
  /** Kill Replica asks first. */
  confirmKill: boolean;
  /** Follow Logs prefixes each line with its timestamp. */
  logTimestamps: boolean;
  /** Saves matching a build's sync rules are copied into running replicas (else rebuild and roll). */
  liveUpdate: boolean;
}

export interface ConfigChange {
  before: FlotillaSettings;
  after: FlotillaSettings;
  /** True when the engine's environment differs: a running controller still has the old one. */
  engine: boolean;
}

export class Config implements vscode.Disposable {
  private value = readSettings();
  private readonly changed = new vscode.EventEmitter<ConfigChange>();
  /** Fires after any `flotilla.*` setting changed. */
  readonly onDidChange = this.changed.event;
  private readonly subscription = vscode.workspace.onDidChangeConfiguration((e) => {
    if (!e.affectsConfiguration('flotilla')) return;
    const before = this.value;
    this.value = readSettings();
    const engine = JSON.stringify(engineEnv(before)) !== JSON.stringify(engineEnv(this.value));
    this.changed.fire({ before, after: this.value, engine });
  });

  get current(): FlotillaSettings {
    return this.value;
  }

  /** "Kill, Don't Ask Again": turns the confirmation off for good (user settings). */
  async setConfirmKill(value: boolean): Promise<void> {
    await vscode.workspace.getConfiguration('flotilla').update('confirmKill', value, vscode.ConfigurationTarget.Global);
  }

  async setLogTimestamps(value: boolean): Promise<void> {
    await vscode.workspace
      .getConfiguration('flotilla')
      .update('logs.timestamps', value, vscode.ConfigurationTarget.Global);
  }

  /** The engine environment the settings ask for now (a running controller may have an older one). */
  engineEnv(): Record<string, string> {
    return engineEnv(this.value);
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}

function readSettings(): FlotillaSettings {
  const c = vscode.workspace.getConfiguration('flotilla');
  return {
    dockerHost: c.get<string>('docker.host', '').trim(),
    nodePool: {
      count: c.get<number>('nodePool.count', 0),
      cpu: c.get<string>('nodePool.cpu', '2'),
      memory: c.get<string>('nodePool.memory', '4Gi'),
    },
    bindAddress: c.get<string>('balancer.bindAddress', '127.0.0.1'),
    backoffBaseSeconds: c.get<number | null>('fastDev.backoffBaseSeconds', null),
    backoffMaxSeconds: c.get<number | null>('fastDev.backoffMaxSeconds', null),
    terminationGracePeriodSeconds: c.get<number | null>('fastDev.terminationGracePeriodSeconds', null),
    confirmKill: c.get<boolean>('confirmKill', true),
    logTimestamps: c.get<boolean>('logs.timestamps', false),
    liveUpdate: c.get<boolean>('liveUpdate.enabled', true),
  };
}

/** Environment for `flotilla` child processes (controller, logs) and `docker exec`. */
export function engineEnv(cfg: FlotillaSettings): Record<string, string> {
  // Node pool and bind address are defaults the stack file may override; the fast-dev
  // values override it (see the engine's model/env-overrides.ts).
  const env: Record<string, string> = { FLOTILLA_BIND_ADDRESS: cfg.bindAddress };
  if (cfg.nodePool.count > 0) {
    env.FLOTILLA_NODE_COUNT = String(cfg.nodePool.count);
    env.FLOTILLA_NODE_CPU = cfg.nodePool.cpu;
    env.FLOTILLA_NODE_MEMORY = cfg.nodePool.memory;
  }
  if (cfg.dockerHost) env.DOCKER_HOST = cfg.dockerHost;
  if (!cfg.liveUpdate) env.FLOTILLA_LIVE_UPDATE = '0';
  if (cfg.backoffBaseSeconds !== null) env.FLOTILLA_BACKOFF_BASE_SECONDS = String(cfg.backoffBaseSeconds);
  if (cfg.backoffMaxSeconds !== null) env.FLOTILLA_BACKOFF_MAX_SECONDS = String(cfg.backoffMaxSeconds);
  if (cfg.terminationGracePeriodSeconds !== null) {
    env.FLOTILLA_TERMINATION_GRACE_SECONDS = String(cfg.terminationGracePeriodSeconds);
  }
  return env;
}
