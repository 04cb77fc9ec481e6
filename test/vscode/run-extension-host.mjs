// Runs the extension-host mocha suite inside code-server's real extension host: the
// workbench opens with a payload naming this repo as the extension under development
// and out/test/suite/index as the tests; the host calls codeAutomationExit(code) at the
// end, which Playwright exposes to the page.
import { format } from 'node:util';
import { ROOT, startCodeServer } from '../../extension/scripts/code-server.mjs';
import { launchBrowser } from './browser.mjs';
import { scratchWorkspace } from './workspace.mjs';

const TIMEOUT_MS = Number(process.env.FLOTILLA_EXT_TEST_TIMEOUT_MS ?? 240_000);
const workspace = scratchWorkspace('ext-host');
const server = await startCodeServer({ workspace, installExtension: false, log: (s) => console.error(s) });
const browser = await launchBrowser();
let code = 1;
try {
  const remote = (p) => `vscode-remote://127.0.0.1:${server.port}${p}`;
  const payload = JSON.stringify([
    ['extensionDevelopmentPath', remote(ROOT)],
    ['extensionTestsPath', remote(`${ROOT}/out/test/suite/index`)],
  ]);
  const page = await browser.newPage();
  const exited = new Promise((resolve) => page.exposeFunction('codeAutomationExit', (c) => resolve(Number(c))));
  // The extension host's console arrives as ['%c INFO', 'color: #33f', ...args].
  // Mocha's reporter uses format strings, so re-apply util.format to the raw arguments.
  page.on('console', async (msg) => {
    const text = msg.text();
    const level = /^%c\s*(INFO|WARN|ERR|ERROR)\b/.exec(text)?.[1];
    // Warnings and errors of the workbench itself (snippets, themes) are not ours.
    if (level && (level === 'INFO' || /flotilla|mocha|assert/i.test(text))) {
      const args = await Promise.all(msg.args().map((a) => a.jsonValue().catch(() => '')));
      const line = format(...args.slice(2));
      // Keep the mocha report and our extension's lines; drop the workbench's chatter.
      if (
        !/^(Ignoring fetching additional builtin|Updating additional builtin|ChatSessionStore|\[Extension Host\])/.test(
          line,
        )
      ) {
        console.log(line);
      }
    } else if (msg.type() === 'error' && /flotilla/i.test(text)) {
      console.error(`[page] ${text}`);
    }
  });
  await page.goto(server.workbenchUrl(`&payload=${encodeURIComponent(payload)}`));
  let timer;
  const timeout = new Promise((resolve) => (timer = setTimeout(() => resolve('timeout'), TIMEOUT_MS)));
  const result = await Promise.race([exited, timeout]);
  clearTimeout(timer);
  if (result === 'timeout') {
    console.error(`extension-host tests did not finish within ${TIMEOUT_MS / 1000}s`);
    await page.screenshot({ path: `${ROOT}/test-artifacts/extension-host-timeout.png` }).catch(() => undefined);
  } else {
    code = result;
  }
} finally {
  await browser.close();
  await server.stop();
}
console.log(code === 0 ? 'extension-host tests passed' : `extension-host tests failed (exit ${code})`);
process.exit(code);
