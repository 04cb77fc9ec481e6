// A scratch copy of the example stack for a test run, so tests can break and fix
// manifests without touching the repository.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT } from '../../extension/scripts/code-server.mjs';

export function scratchWorkspace(tag) {
  const base = path.join(ROOT, '.cache', 'vscode-test', `${tag}-${process.pid}`);
  fs.rmSync(base, { recursive: true, force: true });
  const dir = path.join(base, 'shop');
  fs.cpSync(path.join(ROOT, 'examples', 'shop'), dir, {
    recursive: true,
    filter: (src) => !src.split(path.sep).includes('.flotilla') && !src.split(path.sep).includes('node_modules'),
  });
  return dir;
}
