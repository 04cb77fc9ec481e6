// Runs the same extension-host suite under @vscode/test-electron, where VS Code can be
// downloaded (this machine cannot: use run-extension-host.mjs and code-server there).
import * as path from 'node:path';
import { runTests } from '@vscode/test-electron';
import { ROOT } from '../../extension/scripts/code-server.mjs';
import { scratchWorkspace } from './workspace.mjs';

const workspace = scratchWorkspace('electron');
try {
  await runTests({
    version: process.env.FLOTILLA_VSCODE_VERSION ?? '1.100.3',
    extensionDevelopmentPath: ROOT,
    extensionTestsPath: path.join(ROOT, 'out/test/suite/index'),
    launchArgs: [
      workspace,
      '--disable-extensions',
      '--disable-workspace-trust',
      '--skip-welcome',
      '--skip-release-notes',
    ],
  });
} catch (err) {
  console.error(`test-electron run failed: ${err instanceof Error ? err.message : err}`);
  process.exit(1);
}
