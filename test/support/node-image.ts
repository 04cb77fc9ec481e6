// flotilla.local/node:20 for real-engine tests: the host's node binary, its shared
// libraries and busybox in a FROM scratch image (no registry is reachable). Built once
// by extension/scripts/base-images.sh when missing, then shared; tests never remove it.

import type Dockerode from 'dockerode';
import { execFile } from 'node:child_process';
import * as path from 'node:path';

export const NODE_IMAGE = 'flotilla.local/node:20';

let pending: Promise<string> | undefined;

export function ensureNodeImage(docker: Dockerode): Promise<string> {
  pending ??= (async () => {
    try {
      await docker.getImage(NODE_IMAGE).inspect();
      return NODE_IMAGE;
    } catch (e) {
      if ((e as { statusCode?: number }).statusCode !== 404) throw e;
    }
    const script = path.join(__dirname, '..', '..', 'extension', 'scripts', 'base-images.sh');
    await new Promise<void>((resolve, reject) => execFile('bash', [script], (err) => (err ? reject(err) : resolve())));
    return NODE_IMAGE;
  })().catch((e: unknown) => {
    pending = undefined;
    throw e;
  });
  return pending;
}
