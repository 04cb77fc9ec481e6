// Settings from the environment: how the VS Code extension (and a terminal user)
// passes editor-level preferences to the engine. Node pool and bind address are
// defaults the stack file can override; the fast-dev values override the stack
// file, because they exist to shorten a local loop whatever the project says.
import { parseCpu, parseMemory } from './quantity';
import type { NodeSpec, StackSettings } from './types';

export interface EnvOverrides {
  settings: StackSettings;
  /** Non-empty only when the stack declares no nodes and the environment asks for a pool. */
  nodes: NodeSpec[];
}

export function applyEnv(
  settings: StackSettings,
  explicit: { bindAddress: boolean; nodes: boolean },
  env: NodeJS.ProcessEnv = process.env,
): EnvOverrides {
  const out: StackSettings = { ...settings };
  const num = (name: string): number | undefined => {
    const v = env[name];
    if (v === undefined || v === '') return undefined;
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) throw new Error(`${name}=${v} is not a number of seconds ≥ 0`);
    return n;
  };
  if (!explicit.bindAddress && env.FLOTILLA_BIND_ADDRESS) out.bindAddress = env.FLOTILLA_BIND_ADDRESS;
  const base = num('FLOTILLA_BACKOFF_BASE_SECONDS');
  const max = num('FLOTILLA_BACKOFF_MAX_SECONDS');
  const grace = num('FLOTILLA_TERMINATION_GRACE_SECONDS');
  if (base !== undefined) out.backoffBaseSeconds = base;
  if (max !== undefined) out.backoffMaxSeconds = max;
  if (grace !== undefined) out.terminationGracePeriodSeconds = grace;

  const nodes: NodeSpec[] = [];
  const count = Number(env.FLOTILLA_NODE_COUNT ?? 0);
  if (!explicit.nodes && Number.isInteger(count) && count > 0) {
    const cpuMilli = parseCpu(env.FLOTILLA_NODE_CPU || '2');
    const memoryBytes = parseMemory(env.FLOTILLA_NODE_MEMORY || '4Gi');
    for (let i = 0; i < count; i++) {
      nodes.push({
        name: `node-${String.fromCharCode(97 + (i % 26))}${i >= 26 ? Math.floor(i / 26) : ''}`,
        cpuMilli,
        memoryBytes,
        labels: {},
        unschedulable: false,
      });
    }
  }
  return { settings: out, nodes };
}
