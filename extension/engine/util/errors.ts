// The one way to turn a thrown value into text, and the one cancellation error, shared by
// the engine, the CLI, the language server and the VS Code client.

/** The message of anything thrown: an Error's message, else its string form. */
export function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message;
  return typeof e === 'string' ? e : String(e);
}

/** An Error's stack (with its message), for logs; anything else as text. */
export function errorDetail(e: unknown): string {
  return e instanceof Error ? (e.stack ?? e.message) : errorMessage(e);
}

/** Work stopped on purpose (a superseded validation, a cancelled command): not a failure to report. */
export class Cancelled extends Error {
  constructor(message = 'cancelled') {
    super(message);
    this.name = 'Cancelled';
  }
}
