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

export function scratchWorkspace(tag) {
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
  return dir;
}
