// The editor's machine-readable channel: when FLOTILLA_PROGRESS_FD names a file descriptor
// (a pipe the VS Code extension reads), `flotilla up` writes WatchMessages to it as NDJSON,
// builds included, before the controller serves its own stream. People read stdout instead.
import * as fs from 'node:fs';
import type { WatchMessage } from '../engine/api/protocol';

export function progressChannel(env: NodeJS.ProcessEnv = process.env): ((m: WatchMessage) => void) | undefined {
  const fd = Number(env.FLOTILLA_PROGRESS_FD);
  if (!Number.isInteger(fd) || fd < 3) return undefined;
  const out = fs.createWriteStream('', { fd, autoClose: false });
  // The reader went away (or the descriptor was never open): progress is only a courtesy.
  out.on('error', () => undefined);
  return (m) => {
    out.write(JSON.stringify(m) + '\n');
  };
}
