// Intents that must survive a controller restart (kubectl scale, rollout restart)
// and counters Docker cannot hold (restart counts: a restarted-in-place container
// keeps its immutable labels). Kept in <stack dir>/.flotilla/state.json, written
// atomically so a killed controller never leaves half a file.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { STATE_DIR } from '../api/protocol';

export interface StackState {
  /** Manual scale per deployment (overrides spec.replicas; an HPA overrides both). */
  scale: Record<string, number>;
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
    try {
      const s = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<StackState>;
      return { scale: s.scale ?? {}, restartedAt: s.restartedAt ?? {}, restarts: s.restarts ?? {} };
    } catch {
      return { scale: {}, restartedAt: {}, restarts: {} };
    }
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
