// Base images for tests, built locally because no registry is reachable. They
// are shared between test files and runs: built once, never removed by tests.

import type Dockerode from 'dockerode';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildImage } from '../../extension/engine/build';

export const BUSYBOX_IMAGE = 'flotilla.local/busybox:1';
/** Stack label carried by the shared base images (they belong to no real stack). */
export const BASE_IMAGE_STACK = 'flotilla-base-images';

const BUSYBOX_DOCKERFILE = `FROM scratch
COPY busybox /bin/busybox
RUN ["/bin/busybox","--install","-s","/bin"]
CMD ["/bin/sh"]
`;

const ensured = new Map<string, Promise<string>>();

/**
 * `flotilla.local/busybox:1` (or `tag`), from the host's static /bin/busybox;
 * built through Flotilla's own builder if missing, once per process.
 */
export function ensureBusyboxImage(docker: Dockerode, tag = BUSYBOX_IMAGE): Promise<string> {
  let p = ensured.get(tag);
  if (!p) {
    p = buildBusybox(docker, tag).catch((e: unknown) => {
      ensured.delete(tag); // let a later call retry
      throw e;
    });
    ensured.set(tag, p);
  }
  return p;
}

async function buildBusybox(docker: Dockerode, tag: string): Promise<string> {
  try {
    await docker.getImage(tag).inspect();
    return tag;
  } catch (e) {
    if ((e as { statusCode?: number }).statusCode !== 404) throw e;
  }
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'flotilla-busybox-'));
  try {
    await fs.copyFile('/bin/busybox', path.join(dir, 'busybox'));
    await fs.chmod(path.join(dir, 'busybox'), 0o755);
    await fs.writeFile(path.join(dir, 'Dockerfile'), BUSYBOX_DOCKERFILE);
    const result = await buildImage(
      docker,
      {
        image: tag,
        context: dir,
        dockerfile: path.join(dir, 'Dockerfile'),
        buildArgs: {},
        source: { file: path.join(dir, 'Dockerfile'), line: 1, column: 1 },
      },
      { stack: BASE_IMAGE_STACK, stackDir: dir },
    );
    return result.image;
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}
