// A promise rejected with nobody listening is a bug in Flotilla, not the user's
// error. Node would end the process with a bare stack trace (or, under the
// extension, die with nothing in sight); instead it is written to stderr with
// the command and stack it happened in, reported to whoever listens (`up`
// turns it into a Warning event the extension shows), and the process carries
// on: a controller must not stop healing a stack over one lost promise.
import { errorMessage } from '../engine/util/errors';

type Listener = (message: string) => void;
// Listeners hang on `process`, not in this module: the CLI's two bundles (see engine-commands.ts)
// each hold a copy of it, and `up` (in the second) listens to what main.ts (in the first) reports.
const EVENT = 'flotilla:internalError';
const events: NodeJS.EventEmitter = process; // process's own typings list only Node's events
let seen = 0;

export function installCrashHandlers(command: string, stackDir: () => string): void {
  process.on('unhandledRejection', (reason) => {
    const detail = reason instanceof Error && reason.stack ? reason.stack : errorMessage(reason);
    const message = `unhandled rejection in 'flotilla ${command}' (stack ${stackDir()}): ${errorMessage(reason)}`;
    process.stderr.write(`flotilla: internal error, please report it: ${message}\n${detail}\n`);
    seen++;
    events.emit(EVENT, message);
  });
}

/** Whether an internal error happened: a command that otherwise succeeded then exits 1, so a script notices. */
export function hadInternalError(): boolean {
  return seen > 0;
}

/** Receives each unhandled rejection's one-line description; returns the unsubscribe. */
export function onInternalError(l: Listener): () => void {
  events.on(EVENT, l);
  return () => events.off(EVENT, l);
}
