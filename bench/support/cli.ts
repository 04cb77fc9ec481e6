// The flotilla CLI for benchmarks: fresh bundles in a temp folder, built by the project's own
// bundle script as users get them (dist/ may be stale, and tsx would add its compile time to
// every call), and a helper that runs a command to completion.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';

let bundled: Promise<string> | undefined;

/** Path of a bundled `cli.js` (beside its cli-engine.js and the Service proxy's bundle), built once per process. */
export function cliBundle(): Promise<string> {
  bundled ??= (async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-bench-cli-'));
    process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
    const root = path.resolve(__dirname, '../..');
    await promisify(execFile)(
      'node',
      ['extension/scripts/bundle.mjs', '--outdir', dir, '--only', 'cli,cli-engine,proxy'],
      { cwd: root },
    );
    return path.join(dir, 'cli.js');
  })();
  return bundled;
}

/** Runs a command; resolves with stdout+stderr, rejects on a non-zero exit. */
export function run(
  cmd: string,
  argv: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, argv, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (c) => (out += c));
    p.stderr.on('data', (c) => (out += c));
    p.on('error', reject);
    p.on('exit', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${cmd} ${argv.join(' ')} exited ${code}:\n${out}`)),
    );
  });
}

/**
 * SIGINT (Ctrl-C) to a foreground `flotilla up`, then SIGKILL if it has not exited
 * within `graceMs`. Resolves with how it ended, so a run can report an `up` that hung.
 */
export async function stopUp(child: ChildProcess, graceMs = 15_000): Promise<'exited' | 'killed'> {
  if (child.exitCode !== null || child.signalCode !== null) return 'exited';
  const exited = new Promise<void>((res) => child.once('exit', () => res()));
  child.kill('SIGINT');
  const timer = new Promise<'killed'>((res) => setTimeout(() => res('killed'), graceMs));
  const how = await Promise.race([exited.then(() => 'exited' as const), timer]);
  if (how === 'killed') {
    child.kill('SIGKILL');
    await exited;
  }
  return how;
}
