// Intents that must survive a controller restart (kubectl scale, rollout restart)
// and counters Docker cannot hold (restart counts: a restarted-in-place container
// keeps its immutable labels). Kept in <stack dir>/.flotilla/state.json, written
// atomically so a killed controller never leaves half a file.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { STATE_DIR } from '../api/protocol';
import { isRecord } from '../util/errors';

export interface StackState {
  /** Manual scale per deployment (overrides spec.replicas; an HPA overrides both). See hand-scale.ts. */
  scale: Record<string, number>;
  /** The manifest's replicas each manual scale overrode: when they change, the override is dropped. */
  scaleManifest: Record<string, number>;
  /** Rolling restart time per deployment, as the restartedAt template annotation. */
  restartedAt: Record<string, string>;
  /** Restart counts per replica. */
  restarts: Record<string, number>;
}

export function stateDir(stackDir: string): string {
  return path.join(stackDir, STATE_DIR);
}

export class StateStore {
  private state: StackState;
  private file: string;

  constructor(stackDir: string) {
    this.file = path.join(stateDir(stackDir), 'state.json');
    this.state = StateStore.read(this.file);
  }

  static read(file: string): StackState {
    let raw: unknown;
    try {
      raw = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch {
      raw = {}; // no intents recorded yet (or a file edited into invalid JSON): start empty
    }
    const s = isRecord(raw) ? raw : {};
    return {
      scale: entries(s.scale, isCount),
      scaleManifest: entries(s.scaleManifest, isCount),
      restartedAt: entries(s.restartedAt, isString),
      restarts: entries(s.restarts, isCount),
    };
  }

  /** Re-reads the file: another process (the CLI) may have written an intent. */
  reload(): StackState {
    this.state = StateStore.read(this.file);
    return this.state;
  }

  get(): StackState {
    return this.state;
  }

  update(fn: (s: StackState) => void): void {
    this.state = StateStore.read(this.file); // merge with writes from other processes
    fn(this.state);
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(this.state, null, 2));
    fs.renameSync(tmp, this.file);
  }
}

/** The entries of a JSON object whose values pass `ok` (a hand-edited file may hold anything). */
function entries<T>(v: unknown, ok: (x: unknown) => x is T): Record<string, T> {
  const out: Record<string, T> = {};
  if (isRecord(v)) for (const [k, x] of Object.entries(v)) if (ok(x)) out[k] = x;
  return out;
}

function isCount(x: unknown): x is number {
  return typeof x === 'number' && Number.isInteger(x) && x >= 0;
}

function isString(x: unknown): x is string {
  return typeof x === 'string';
}
