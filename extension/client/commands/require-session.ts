// Commands that send intents need a running controller. `requiresSession` checks once,
// says so when there is none, and hands the command the live connection.
import type { ControlRequests, ControlResponse } from '../../engine/api/protocol';
import { errorMessage } from '../../engine/util/errors';
import type { Ctx } from '../ctx';
import type { EngineConnection } from '../engine-link';
import { fail, warn } from '../notify';

export const NOT_RUNNING = 'The stack is not running: run Flotilla: Up first.';

/** Wraps a command that needs the controller: without one it warns and resolves undefined. */
export function requiresSession<A extends unknown[], R>(
  ctx: Ctx,
  fn: (conn: EngineConnection, ...args: A) => Promise<R>,
): (...args: A) => Promise<R | undefined> {
  return async (...args: A) => {
    const conn = ctx.session?.connection;
    if (!conn) {
      warn(NOT_RUNNING);
      return undefined;
    }
    return fn(conn, ...args);
  };
}

/**
 * Posts an intent; a refusal or a failure is shown, a success logged. Resolves with the
 * controller's answer, or undefined when the request failed.
 */
export async function send<P extends keyof ControlRequests>(
  ctx: Ctx,
  conn: EngineConnection,
  what: string,
  path: P,
  body: ControlRequests[P],
): Promise<ControlResponse | undefined> {
  try {
    const res = await conn.post(path, body);
    if (!res.ok) fail(`Flotilla: ${what} refused: ${res.message ?? ''}`);
    else ctx.log.info(`${what}${res.message ? `: ${res.message}` : ''}`);
    return res;
  } catch (err) {
    fail(`Flotilla: ${what} failed: ${errorMessage(err)}`);
    return undefined;
  }
}
