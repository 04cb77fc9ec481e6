// Bundles the entry points with esbuild: the VS Code extension, the language server,
// the CLI and the in-network Service proxy (dist/proxy.js, run inside a container).
// Native optional modules of ssh2/cpu-features (pulled in by dockerode) are loaded inside try/catch, so they are left out of the bundle; the
// BuildKit session module dockerode loads, and the .proto loader libraries it and
// @grpc/grpc-js's optional services would pull in, are replaced by a stub (see stubs/).
// @grpc/grpc-js itself is bundled: gRPC probes use it.
import { build } from 'esbuild';
import { existsSync } from 'node:fs';

const production = process.argv.includes('--production');
/** `--outdir DIR` (default dist) and `--only cli,cli-engine`: what tests build to check the bundles themselves. */
const option = (name) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const outdir = option('--outdir') ?? 'dist';
const only = option('--only')?.split(',');

/** @kubernetes/client-node stays out of every bundle but its own. */
const kubeClientExternal = {
  name: 'kube-client-external',
  setup(b) {
    b.onResolve({ filter: /^@kubernetes\/client-node$/ }, (args) =>
      args.importer.endsWith('kube-client.mts') ? undefined : { path: args.path, external: true },
    );
  },
};
/**
 * The CLI in two bundles: dist/cli.js (main.ts: `help`, and `status` from a running controller) requires
 * dist/cli-engine.js (engine-commands.ts: every other command) only when it runs one of those, so
 * `status` starts without parsing the engine and its libraries.
 */
const cliEngineExternal = {
  name: 'cli-engine-external',
  setup(b) {
    b.onResolve({ filter: /^(\.\.?\/)+engine-commands$/ }, (args) =>
      args.kind === 'entry-point' ? undefined : { path: './cli-engine.js', external: true },
    );
  },
};
const entries = [
  { in: 'extension/client/extension.ts', out: 'extension' },
  { in: 'language-server/src/server.ts', out: 'server' },
  { in: 'extension/cli/main.ts', out: 'cli' },
  { in: 'extension/cli/engine-commands.ts', out: 'cli-engine' },
  // The Kubernetes client (about 3 MB), loaded by the CLI only for `deploy --target kubernetes`.
  { in: 'extension/engine/deploy/kube-client.mts', out: 'kube-client' },
  // The in-network Service proxy: run inside a container, never loaded by the other bundles.
  { in: 'extension/engine/proxy/main.ts', out: 'proxy' },
].filter((e) => existsSync(e.in) && (!only || only.includes(e.out)));

await build({
  entryPoints: entries,
  outdir,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: !production,
  minify: production,
  // esbuild itself: the engine bundles the proxy program with it only when run from source.
  external: ['vscode', '*.node', 'cpu-features', 'esbuild'],
  alias: Object.fromEntries(
    ['@grpc/proto-loader', 'protobufjs'].map((m) => [m, './extension/scripts/stubs/buildkit-unsupported.cjs']),
  ),
  plugins: [
    // Each entry that needs the Kubernetes client loads dist/kube-client.js at run time (see deploy/kubernetes.ts).
    kubeClientExternal,
    cliEngineExternal,
    {
      name: 'no-buildkit-session',
      setup(b) {
        b.onResolve({ filter: /^\.\/session$/ }, (args) =>
          /[\\/]dockerode[\\/]lib$/.test(args.resolveDir)
            ? { path: new URL('./stubs/buildkit-unsupported.cjs', import.meta.url).pathname }
            : undefined,
        );
      },
    },
  ],
  logLevel: 'warning',
});
