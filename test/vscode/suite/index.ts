// Mocha inside the extension host, for both runners: code-server (payload URL, driven by
// Playwright) and @vscode/test-electron. The test modules are bundled in, so each one
// exports a function that declares its suites once mocha's globals exist.
import Mocha from 'mocha';
import activation from './activation.test';
import commands from './commands.test';
import ctx from './ctx.test';
import diagnostics from './diagnostics.test';
import experience from './experience.test';
import graph from './graph.test';
import swarmDeploy from './swarm-deploy.test';
import views from './views.test';

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: 30_000, reporter: 'spec' });
  mocha.suite.emit('pre-require', globalThis, 'flotilla-suite', mocha);
  for (const declare of [activation, views, commands, ctx, experience, graph, diagnostics, swarmDeploy]) declare();
  return new Promise((resolve, reject) => {
    mocha.run((failures) => (failures ? reject(new Error(`${failures} extension-host test(s) failed`)) : resolve()));
  });
}
