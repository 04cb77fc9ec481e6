// What the editor says about a live update the controller reports (engine/api/protocol.ts,
// an event with `sync`): a short status-bar line on success, an error line for the output
// channel when it fell back to rebuild and roll. Free of vscode, so it is tested alone.
import type { EngineEvent } from '../engine/api/protocol';

export interface LiveUpdateNotice {
  /** Shown in the status bar for a few seconds. */
  status: string;
  /** Written to the output channel as an error. */
  error?: string;
}

/** How long the status-bar line stays. */
export const NOTICE_MS = 4000;

export function liveUpdateNotice(e: EngineEvent): LiveUpdateNotice | undefined {
  const s = e.sync;
  if (!s) return undefined;
  if (s.failed !== undefined) {
    return {
      status: `$(warning) live update of ${s.image} failed: rebuilding`,
      error: `live update of ${s.image} failed, rebuilding and rolling instead: ${s.failed}`,
    };
  }
  const n = (k: number, what: string) => `${k} ${what}${k === 1 ? '' : 's'}`;
  return { status: `$(sync) synced ${n(s.files, 'file')} to ${n(s.replicas, 'replica')} in ${s.ms} ms` };
}
