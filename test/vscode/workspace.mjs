// A scratch copy of the example stack for a test run, so tests can break and fix
// manifests without touching the repository.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT } from '../../extension/scripts/code-server.mjs';

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * @param {string} tag
 * @param {string} [stackName] renames the stack in the copy
 * @param {{ ownImages?: boolean, slowBuild?: string, nodeImage?: string }} [opts]
 *   ownImages: the images are named `<stackName>/web` etc., so this run builds its own and can
 *   remove them after (the shared `shop/*` tags stay untouched);
 *   slowBuild: the service whose Dockerfile gets a 3 s extra step, so a build lasts long
 *   enough to be seen in the editor. The step's text is new on every run: Docker's layer
 *   cache (shared by every run on the engine) would otherwise skip it, and a build made of
 *   cached steps is over in about a second;
 *   nodeImage: the base image the Dockerfiles build FROM (their NODE_IMAGE default).
 */
export function scratchWorkspace(tag, stackName, opts = {}) {
  const parent = path.join(ROOT, '.cache', 'vscode-test');
  // Drop copies left by earlier runs whose process is gone.
  for (const old of fs.existsSync(parent) ? fs.readdirSync(parent) : []) {
    const pid = Number(/-(\d+)$/.exec(old)?.[1]);
    if (pid && pid !== process.pid && !alive(pid)) fs.rmSync(path.join(parent, old), { recursive: true, force: true });
  }
  const base = path.join(parent, `${tag}-${process.pid}`);
  fs.rmSync(base, { recursive: true, force: true });
  const dir = path.join(base, 'shop');
  fs.cpSync(path.join(ROOT, 'examples', 'shop'), dir, {
    recursive: true,
    filter: (src) => !src.split(path.sep).includes('.flotilla') && !src.split(path.sep).includes('node_modules'),
  });
  const edit = (rel, fn) => fs.writeFileSync(path.join(dir, rel), fn(fs.readFileSync(path.join(dir, rel), 'utf8')));
  if (stackName) {
    // Stack names are global on the Docker engine: a test stack must not collide with
    // someone running the example itself.
    edit('flotilla.yaml', (text) => {
      if (!/^name: shop$/m.test(text)) throw new Error('examples/shop/flotilla.yaml no longer says "name: shop"');
      return text.replace(/^name: shop$/m, `name: ${stackName}`);
    });
  }
  if (opts.ownImages && stackName) {
    const rename = (text) => text.replace(/\bshop\/(web|api|worker)\b/g, `${stackName}/$1`);
    edit('flotilla.yaml', rename);
    for (const f of fs.readdirSync(path.join(dir, 'k8s'))) edit(path.join('k8s', f), rename);
  }
  for (const service of ['web', 'api', 'worker']) {
    edit(`services/${service}/Dockerfile`, (text) => {
      let out = text;
      if (opts.nodeImage) out = out.replace(/^ARG NODE_IMAGE=.*$/m, `ARG NODE_IMAGE=${opts.nodeImage}`);
      if (opts.slowBuild === service) {
        const run = `${path.basename(base)}-${Date.now()}`;
        out = out.replace(/^(WORKDIR .*)$/m, `$1\nRUN echo 'slow step of ${run}' && sleep 3`);
      }
      return out;
    });
  }
  return dir;
}
