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

/** @param {string} tag @param {string} [stackName] renames the stack in the copy */
export function scratchWorkspace(tag, stackName) {
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
  if (stackName) {
    // Stack names are global on the Docker engine: a test stack must not collide with
    // someone running the example itself.
    const file = path.join(dir, 'flotilla.yaml');
    const text = fs.readFileSync(file, 'utf8');
    if (!/^name: shop$/m.test(text)) throw new Error('examples/shop/flotilla.yaml no longer says "name: shop"');
    fs.writeFileSync(file, text.replace(/^name: shop$/m, `name: ${stackName}`));
  }
  return dir;
}
