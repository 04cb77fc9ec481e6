// Public stacks for real-engine tests (test/fixtures/real-stacks/<project>: manifests as
// published, an overlay pointing their images at local stand-ins, and the stand-ins' build
// context): a copy of a project's folder under a unique stack name, so each run's
// .flotilla state stays in the copy, and the base image the MySQL stand-ins need (the
// tutorial's scripts are bash). `npx tsx test/support/real-stacks.ts` builds that base for
// running the stacks by hand.
import type Dockerode from 'dockerode';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildImage } from '../../extension/engine/build';
import { createDocker } from '../../extension/engine/docker/client';
import { LABELS } from '../../extension/engine/docker/labels';
import { BASE_IMAGE_STACK } from './base-images';
import { ensureNodeImage, NODE_IMAGE } from './node-image';

export const REAL_STACKS = path.resolve(__dirname, '../fixtures/real-stacks');

/**
 * Copies test/fixtures/real-stacks/<project> to a temporary folder, its stack renamed `name`;
 * `extra` is appended to its stack file (settings for a test, never the project's manifests).
 */
export function copyRealStack(project: string, name: string, extra = ''): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `flotilla-${project}-`));
  fs.cpSync(path.join(REAL_STACKS, project), dir, {
    recursive: true,
    filter: (src) => path.basename(src) !== '.flotilla',
  });
  const file = path.join(dir, 'flotilla.yaml');
  const text = fs.readFileSync(file, 'utf8');
  if (!/^name: .*$/m.test(text)) throw new Error(`${project}/flotilla.yaml has no name: line`);
  fs.writeFileSync(file, text.replace(/^name: .*$/m, `name: ${name}`) + extra);
  return dir;
}

/**
 * Adds a manifest beside a copied project's kustomization and lists it in its resources, as a
 * user adds their own object next to a published stack (the published files stay unchanged).
 */
export function addResource(dir: string, file: string, yaml: string): void {
  fs.writeFileSync(path.join(dir, file), yaml);
  const kustomization = path.join(dir, 'kustomization.yaml');
  const text = fs.readFileSync(kustomization, 'utf8');
  if (!/^resources:\n/m.test(text)) throw new Error(`${kustomization} has no resources: list`);
  fs.writeFileSync(kustomization, text.replace(/^resources:\n/m, `resources:\n  - ${file}\n`));
}

/** What a replica's containers printed (stdout and stderr), app containers only. */
export async function replicaLogs(docker: Dockerode, stack: string, replica: string): Promise<string> {
  const list = await docker.listContainers({
    all: true,
    filters: { label: [`${LABELS.stack}=${stack}`, `${LABELS.replica}=${replica}`] },
  });
  const apps = list.filter((c) => !c.Labels[LABELS.role] && !c.Labels[LABELS.initContainer]);
  const texts = await Promise.all(
    apps.map(async (c) => demux(await docker.getContainer(c.Id).logs({ stdout: true, stderr: true, follow: false }))),
  );
  return texts.join('');
}

/** Docker's multiplexed log stream (8-byte frame headers, no TTY) as text. */
function demux(buf: Buffer): string {
  let out = '';
  for (let at = 0; at + 8 <= buf.length;) {
    const size = buf.readUInt32BE(at + 4);
    out += buf.toString('utf8', at + 8, at + 8 + size);
    at += 8 + size;
  }
  return out;
}

export const NODE_BASH_IMAGE = 'flotilla.local/node-bash:20';

let pending: Promise<string> | undefined;

/** flotilla.local/node:20 with this machine's bash (and the libraries it links) at /bin/bash. */
export function ensureNodeBashImage(docker: Dockerode): Promise<string> {
  pending ??= buildNodeBash(docker).catch((e: unknown) => {
    pending = undefined;
    throw e;
  });
  return pending;
}

async function buildNodeBash(docker: Dockerode): Promise<string> {
  await ensureNodeImage(docker);
  const found = await docker
    .getImage(NODE_BASH_IMAGE)
    .inspect()
    .then(
      () => true,
      () => false,
    );
  if (found) return NODE_BASH_IMAGE;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-node-bash-'));
  try {
    const bash = fs.realpathSync(execFileSync('sh', ['-c', 'command -v bash'], { encoding: 'utf8' }).trim());
    const libs = execFileSync('ldd', [bash], { encoding: 'utf8' }).match(/\/\S+\.so[^\s]*/g) ?? [];
    for (const f of [bash, ...libs]) {
      const to = path.join(dir, 'root', f === bash ? '/usr/bin/bash' : f);
      fs.mkdirSync(path.dirname(to), { recursive: true });
      fs.copyFileSync(f, to);
      fs.chmodSync(to, 0o755);
    }
    fs.writeFileSync(
      path.join(dir, 'Dockerfile'),
      `FROM ${NODE_IMAGE}\nCOPY root/ /\nRUN ["/bin/busybox", "ln", "-sf", "/usr/bin/bash", "/bin/bash"]\n`,
    );
    await buildImage(
      docker,
      {
        image: NODE_BASH_IMAGE,
        context: dir,
        dockerfile: path.join(dir, 'Dockerfile'),
        buildArgs: {},
        source: { file: path.join(dir, 'Dockerfile'), line: 1, column: 1 },
      },
      { stack: BASE_IMAGE_STACK, stackDir: dir },
    );
    return NODE_BASH_IMAGE;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  ensureNodeBashImage(createDocker()).then(
    (image) => console.log(`${image} is ready`),
    (e: unknown) => {
      console.error(e);
      process.exitCode = 1;
    },
  );
}
