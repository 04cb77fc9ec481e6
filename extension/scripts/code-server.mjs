// Starts code-server (installed by code-server-install.sh into .cache/code-server) on a
// free 127.0.0.1 port with an isolated HOME/XDG/TMPDIR, no marketplace, no telemetry,
// and optionally this repository symlinked in as an installed extension.
// Used by the real-VS-Code tests and by `npm run open`. Module and CLI:
//   node extension/scripts/code-server.mjs [WORKSPACE]   → prints the URL, runs until Ctrl-C
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const CACHE = process.env.FLOTILLA_CODE_SERVER_CACHE ?? path.join(ROOT, '.cache/code-server');
export const BIN = path.join(CACHE, 'node_modules/.bin/code-server');

const USER_SETTINGS = {
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'workbench.enableExperiments': false,
  'workbench.tips.enabled': false,
  'workbench.startupEditor': 'none',
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'security.workspace.trust.enabled': false,
  'git.enabled': false,
  'git.openRepositoryInParentFolders': 'never',
  'chat.commandCenter.enabled': false,
  'window.restoreWindows': 'none',
  // The stack's balancer ports would each raise a "port forwarded" toast.
  'remote.autoForwardPorts': false,
  // Fast dev settings for the example stack.
  'flotilla.fastDev.terminationGracePeriodSeconds': 2,
};

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Removes per-run profiles older than a day (their logs are kept that long for debugging). */
function pruneRuns() {
  if (!fs.existsSync(CACHE)) return;
  for (const d of fs.readdirSync(CACHE)) {
    const p = path.join(CACHE, d);
    if (d.startsWith('run-') && Date.now() - fs.statSync(p).mtimeMs > 86_400_000) {
      fs.rmSync(p, { recursive: true, force: true });
    }
  }
}

/**
 * @param {{ workspace: string, trust?: boolean, installExtension?: boolean, vsix?: string, runDir?: string, settings?: object, log?: (s: string) => void }} opts
 * @returns {Promise<{ url: string, port: number, runDir: string, workbenchUrl: (extra?: string) => string, stop: () => Promise<void> }>}
 */
export async function startCodeServer(opts) {
  if (!fs.existsSync(BIN)) {
    throw new Error(`code-server is not installed: run bash extension/scripts/code-server-install.sh`);
  }
  const port = await freePort();
  pruneRuns();
  const runDir = opts.runDir ?? fs.mkdtempSync(path.join(CACHE, 'run-'));
  const dirs = Object.fromEntries(
    ['home', 'config', 'data', 'cache', 'tmp', 'user-data', 'extensions'].map((d) => [d, path.join(runDir, d)]),
  );
  Object.values(dirs).forEach((d) => fs.mkdirSync(d, { recursive: true }));
  const userDir = path.join(dirs['user-data'], 'User');
  fs.mkdirSync(userDir, { recursive: true });
  // trust: true keeps VS Code's workspace trust on, so a test can open in Restricted Mode.
  const trust = opts.trust
    ? { 'security.workspace.trust.enabled': true, 'security.workspace.trust.startupPrompt': 'always' }
    : {};
  fs.writeFileSync(
    path.join(userDir, 'settings.json'),
    JSON.stringify({ ...USER_SETTINGS, ...trust, ...(opts.settings ?? {}) }, null, 2),
  );
  const env = {
    ...process.env,
    HOME: dirs.home,
    XDG_CONFIG_HOME: dirs.config,
    XDG_DATA_HOME: dirs.data,
    XDG_CACHE_HOME: dirs.cache,
    TMPDIR: dirs.tmp,
    EXTENSIONS_GALLERY: '{"serviceUrl":"","itemUrl":"","resourceUrlTemplate":""}',
  };
  // Our own test runners must not leak into the extension host.
  delete env.ELECTRON_RUN_AS_NODE;
  delete env.NODE_OPTIONS;
  if (opts.vsix) {
    // Install the packaged extension exactly as a user would.
    const r = spawnSync(
      BIN,
      [
        '--extensions-dir',
        dirs.extensions,
        '--user-data-dir',
        dirs['user-data'],
        '--install-extension',
        path.resolve(opts.vsix),
      ],
      { env, encoding: 'utf8' },
    );
    if (r.status !== 0) throw new Error(`installing ${opts.vsix} failed:\n${r.stdout}${r.stderr}`);
  } else if (opts.installExtension !== false) {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    const link = path.join(dirs.extensions, `${pkg.publisher}.${pkg.name}-${pkg.version}`);
    fs.rmSync(link, { force: true });
    fs.symlinkSync(ROOT, link, 'dir');
  }
  const cfg = path.join(runDir, 'config.yaml');
  fs.writeFileSync(cfg, `bind-addr: 127.0.0.1:${port}\nauth: none\ncert: false\n`);
  const logFile = path.join(runDir, 'code-server.log');
  const out = fs.openSync(logFile, 'a');
  const args = [
    '--config',
    cfg,
    '--disable-telemetry',
    '--disable-update-check',
    ...(opts.trust ? [] : ['--disable-workspace-trust']),
    '--disable-getting-started-override',
    '--ignore-last-opened',
    '--user-data-dir',
    dirs['user-data'],
    '--extensions-dir',
    dirs.extensions,
    opts.workspace,
  ];
  const child = spawn(BIN, args, { env, detached: true, stdio: ['ignore', out, out] });
  fs.closeSync(out);
  let exited = false;
  child.on('exit', () => (exited = true));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (exited) return;
    const gone = new Promise((r) => child.once('exit', r));
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      return;
    }
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }, 5000);
    await gone;
    clearTimeout(timer);
  };
  // Ready when /healthz answers; give up if the process dies.
  for (;;) {
    if (exited) {
      throw new Error(`code-server exited early; see ${logFile}:\n${fs.readFileSync(logFile, 'utf8').slice(-2000)}`);
    }
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.ok) break;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  opts.log?.(`code-server ${url} (logs: ${logFile})`);
  const workbenchUrl = (extra = '') => `${url}/?folder=${encodeURIComponent(opts.workspace)}${extra}`;
  return { url, port, runDir, workbenchUrl, stop };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const workspace = path.resolve(process.argv[2] ?? path.join(ROOT, 'examples/shop'));
  const server = await startCodeServer({ workspace, runDir: path.join(CACHE, 'open'), log: (s) => console.error(s) });
  console.log(`Flotilla in VS Code: ${server.workbenchUrl()}`);
  console.log('Press Ctrl-C to stop.');
  const quit = () => server.stop().then(() => process.exit(0));
  process.on('SIGINT', quit);
  process.on('SIGTERM', quit);
}
