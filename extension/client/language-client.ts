// Starts the Flotilla language server (dist/server.js) for Dockerfiles, Kubernetes
// manifests and the stack file. It runs in restricted mode too: it only reads files.
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import {
  LanguageClient,
  TransportKind,
  type LanguageClientOptions,
  type ServerOptions,
} from 'vscode-languageclient/node';

export const DOCUMENT_SELECTOR = [
  { scheme: 'file', language: 'dockerfile' },
  { scheme: 'file', pattern: '**/{Dockerfile,Dockerfile.*,*.Dockerfile,*.dockerfile}' },
  { scheme: 'file', language: 'yaml' },
];

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
  const clientOptions: LanguageClientOptions = {
    documentSelector: DOCUMENT_SELECTOR,
    // Cross-file checks (selector ↔ labels, image ↔ Dockerfile) need to hear about
    // files that are not open.
    synchronize: {
      // Pushes flotilla.* settings (flotilla.lint.rules) to the server when they change.
      configurationSection: 'flotilla',
      fileEvents: vscode.workspace.createFileSystemWatcher('**/{*.yaml,*.yml,Dockerfile,Dockerfile.*,*.Dockerfile}'),
    },
    outputChannel: vscode.window.createOutputChannel('Flotilla Language Server', { log: true }),
    traceOutputChannel: undefined,
  };
  const client = new LanguageClient('flotilla', 'Flotilla Language Server', serverOptions, clientOptions);
  context.subscriptions.push(client, clientOptions.outputChannel!);
  await client.start();
  return client;
}
