// The extension's narrow view of the engine API (extension/engine/api/protocol.ts).
// Everything the UI shows comes from StackStatus snapshots and events that the
// controller pushes; everything it does is a ControlRequest. No Docker calls here.
import type { ControlRequests, ControlResponse, StackStatus, WatchMessage } from '../engine/api/protocol';

export interface EngineConnection {
  status(): Promise<StackStatus>;
  /** Streams messages until the controller goes away or `signal` aborts. */
  watch(onMessage: (m: WatchMessage) => void, signal: AbortSignal): Promise<void>;
  post<P extends keyof ControlRequests>(path: P, body: ControlRequests[P]): Promise<ControlResponse>;
}

export interface EngineApi {
  /** A connection to the stack's running controller, or undefined when none runs. */
  connect(stackDir: string): Promise<EngineConnection | undefined>;
}
