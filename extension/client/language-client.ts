// Starts the Flotilla language server (dist/server.js) for Dockerfiles, Kubernetes
// manifests and the stack file. It runs in restricted mode too: it only reads files.
// Names, selectors and watched files come from the protocol module the server shares.
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import {
  LanguageClient,
  TransportKind,
  type LanguageClientOptions,
  type ServerOptions,
} from 'vscode-languageclient/node';
import {
  CLIENT_ID,
  CLIENT_NAME,
  DOCUMENT_SELECTOR,
  SYNCHRONIZED_SECTION,
  WATCHED_GLOBS,
} from '../../language-server/src/protocol';

export async function startLanguageClient(
  context: vscode.ExtensionContext,
  log: vscode.LogOutputChannel,
): Promise<LanguageClient | undefined> {
  const serverModule = context.asAbsolutePath('dist/server.js');
  if (!fs.existsSync(serverModule)) {
    log.warn(`language server not found at ${serverModule}; run npm run build`);
    return undefined;
  }
  const serverOptions: ServerOptions = {
    run: { module: serverModule, transport: TransportKind.ipc },
    debug: {
      module: serverModule,
      transport: TransportKind.ipc,
      options: { execArgv: ['--nolazy', '--inspect=6019'] },
    },
  };
  const outputChannel = vscode.window.createOutputChannel(CLIENT_NAME, { log: true });
  const clientOptions: LanguageClientOptions = {
    documentSelector: DOCUMENT_SELECTOR,
    // Cross-file checks (selector ↔ labels, image ↔ Dockerfile) need to hear about
    // files that are not open.
    synchronize: {
      // Pushes flotilla.* settings (flotilla.lint.rules) to the server when they change.
      configurationSection: SYNCHRONIZED_SECTION,
      fileEvents: WATCHED_GLOBS.map((glob) => vscode.workspace.createFileSystemWatcher(glob)),
    },
    outputChannel,
    traceOutputChannel: undefined,
  };
  const client = new LanguageClient(CLIENT_ID, CLIENT_NAME, serverOptions, clientOptions);
  context.subscriptions.push(outputChannel);
  await client.start();
  return client;
}
