// Bundles the extension-host mocha suite to out/test/suite/index.js. `vscode` comes
// from the host; mocha and dockerode (whose ssh2 carries native modules, which the swarm
// lab's test reaches through the test support) are loaded from node_modules at run time.
import { build } from 'esbuild';

await build({
  entryPoints: { 'test/suite/index': 'test/vscode/suite/index.ts' },
  outdir: 'out',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: 'inline',
  external: ['vscode', 'mocha', 'dockerode'],
  logLevel: 'warning',
});
