// Errors as every part of Flotilla handles them (engine, CLI, language server,
// VS Code client): one way to turn whatever was thrown into text, one
// cancellation error, and guards for the fields Docker's and Node's errors
// carry. A catch receives `unknown`; ask this module, never cast.

/** The message of anything thrown (an Error, a string, an object with `message`, or something else). */
export function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message;
  if (typeof e === 'string') return e;
  if (hasStringField(e, 'message')) return e.message;
  try {
    return JSON.stringify(e) ?? String(e);
  } catch {
    return String(e); // a cyclic object: its tag is all there is to say
  }
}

/** An Error's stack (with its message), for logs; anything else as text. */
export function errorDetail(e: unknown): string {
  return e instanceof Error ? (e.stack ?? e.message) : errorMessage(e);
}

/** `e` itself when it is an Error, else an Error carrying its message. */
export function asError(e: unknown): Error {
  return e instanceof Error ? e : new Error(errorMessage(e));
}

/**
 * Work stopped on purpose (a superseded validation, a cancelled command, a stopping
 * controller): not a failure to report.
 */
export class Cancelled extends Error {
  constructor(message = 'cancelled') {
    super(message);
    this.name = 'Cancelled';
  }
}

/** Cancelled, or the AbortError that fetch, timers and dockerode raise for an aborted signal. */
export function isCancelled(e: unknown): boolean {
  return e instanceof Cancelled || (e instanceof Error && e.name === 'AbortError');
}

/** Throws Cancelled once `signal` has been aborted; a no-op without a signal. */
export function throwIfCancelled(signal: AbortSignal | undefined, what = 'cancelled'): void {
  if (signal?.aborted) throw new Cancelled(what);
}

/** The HTTP status of a Docker Engine API error (304 not modified, 404 gone, 409 conflict, ...). */
export function statusCodeOf(e: unknown): number | undefined {
  return e !== null && typeof e === 'object' && 'statusCode' in e && typeof e.statusCode === 'number'
    ? e.statusCode
    : undefined;
}

/** The `code` of a Node.js system error (ENOENT, EADDRINUSE, ...). */
export function errnoCode(e: unknown): string | undefined {
  return hasStringField(e, 'code') ? e.code : undefined;
}

/** A plain JSON object (not null, not an array): what JSON.parse gives for `{...}`. */
export function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function hasStringField<K extends string>(e: unknown, key: K): e is Record<K, string> {
  return e !== null && typeof e === 'object' && typeof Reflect.get(e, key) === 'string';
}
