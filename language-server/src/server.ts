// Flotilla language server: Dockerfiles, Kubernetes manifests and the stack file. Transport
// (--stdio, --node-ipc, --socket=N) is chosen from the command line by vscode-languageserver.
import * as path from 'node:path';
import {
  createConnection,
  DidChangeWatchedFilesNotification,
  FileChangeType,
  ProposedFeatures,
  TextDocuments,
  TextDocumentSyncKind,
  type InitializeResult,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { LineIndex } from './core/lines';
import type { RuleSettings } from './core/types';
import { stackResources } from './lint/project';
import {
  CONFIGURATION_SECTION,
  isDockerfileName,
  parseInitializationOptions,
  parseLintConfiguration,
  pushedRules,
  STACK_FILES,
  WATCHED_GLOBS,
} from './protocol';
import { parseYaml } from './yaml/parse';
import { codeActions, pinActions } from './server/code-actions';
import { localDigest } from './core/docker-images';
import { dockerfileCompletion, manifestCompletion } from './server/completion';
import { dockerfileHover, manifestHover } from './server/hover';
import { definition, dockerfileSymbols, manifestSymbols } from './server/navigation';
import { stackCompletion, stackHover, stackSymbols } from './server/stack-features';
import { uriToPath, Validator } from './server/validator';

const connection = createConnection(ProposedFeatures.all);
const documents = new TextDocuments(TextDocument);
let rules: RuleSettings = {};
let canPullConfig = false;
let canWatch = false;
let validator: Validator;

function isDockerfile(doc: TextDocument): boolean {
  return doc.languageId === 'dockerfile' || isDockerfileName(uriToPath(doc.uri));
}

function isFlotillaFile(doc: TextDocument): boolean {
  return /^flotilla\.ya?ml$/.test(path.basename(uriToPath(doc.uri)));
}

connection.onInitialize((params): InitializeResult => {
  const init = parseInitializationOptions(params.initializationOptions);
  rules = init.rules;
  canPullConfig = !!params.capabilities.workspace?.configuration;
  canWatch = !!params.capabilities.workspace?.didChangeWatchedFiles?.dynamicRegistration;
  validator = new Validator(connection, documents, {
    debounceMs: init.debounceMs,
    docker: init.docker,
    settings: () => rules,
  });
  return {
    capabilities: {
      textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental },
      hoverProvider: true,
      completionProvider: { triggerCharacters: [':', ' ', '-'] },
      codeActionProvider: { codeActionKinds: ['quickfix'] },
      definitionProvider: true,
      documentSymbolProvider: true,
    },
    serverInfo: { name: 'flotilla-language-server', version: '0.1.0' },
  };
});

async function pullSettings(): Promise<void> {
  if (!canPullConfig) return;
  try {
    const cfg = parseLintConfiguration(await connection.workspace.getConfiguration(CONFIGURATION_SECTION));
    if (cfg.rules) rules = cfg.rules;
  } catch {
    // a client without the section: keep the defaults
  }
}

connection.onInitialized(async () => {
  if (canWatch) {
    await connection.client.register(DidChangeWatchedFilesNotification.type, {
      watchers: WATCHED_GLOBS.map((globPattern) => ({ globPattern })),
    });
  }
  await pullSettings();
  validator.scheduleAll();
});

connection.onDidChangeConfiguration(async (change) => {
  const pushed = pushedRules(change.settings);
  if (pushed) rules = pushed;
  else await pullSettings();
  validator.scheduleAll();
});

connection.onDidChangeWatchedFiles(({ changes }) => {
  for (const c of changes) {
    const file = uriToPath(c.uri);
    validator.fileChanged(file, c.type !== FileChangeType.Changed || STACK_FILES.includes(path.basename(file)));
  }
});

documents.onDidOpen((e) => validator.opened(e.document.uri));
documents.onDidChangeContent((e) => validator.schedule(uriToPath(e.document.uri)));
documents.onDidClose((e) => validator.closed(e.document.uri));

connection.onHover(({ textDocument, position }) => {
  const doc = documents.get(textDocument.uri);
  if (!doc) return null;
  const text = doc.getText();
  if (isDockerfile(doc)) return dockerfileHover(text, position.line, position.character);
  const lines = new LineIndex(text);
  if (isFlotillaFile(doc)) return stackHover(parseYaml(text), lines, position.line, position.character);
  return manifestHover(parseYaml(text), lines, position.line, position.character);
});

connection.onCompletion(({ textDocument, position }) => {
  const doc = documents.get(textDocument.uri);
  if (!doc) return [];
  const lines = new LineIndex(doc.getText());
  if (isDockerfile(doc)) return dockerfileCompletion(lines, position.line, position.character);
  return isFlotillaFile(doc)
    ? stackCompletion(lines, position.line, position.character)
    : manifestCompletion(lines, position.line, position.character);
});

connection.onCodeAction(async ({ textDocument, context }) => {
  const doc = documents.get(textDocument.uri);
  if (!doc) return [];
  const lines = new LineIndex(doc.getText());
  const pins = validator.usesDocker ? await pinActions(textDocument.uri, lines, context.diagnostics, localDigest) : [];
  return [...pins, ...codeActions(textDocument.uri, lines, context.diagnostics)];
});

connection.onDefinition(({ textDocument, position }) => {
  const doc = documents.get(textDocument.uri);
  if (!doc || isDockerfile(doc)) return [];
  const file = uriToPath(textDocument.uri);
  const key = validator.keyOf(file);
  const { stack, resources } = key.startsWith('loose:')
    ? { stack: undefined, resources: [] }
    : stackResources(key, { read: validator.read, cache: validator.cache, listFiles: validator.listFiles });
  return definition(file, parseYaml(doc.getText()), position.line, position.character, resources, stack);
});

connection.onDocumentSymbol(({ textDocument }) => {
  const doc = documents.get(textDocument.uri);
  if (!doc) return [];
  const text = doc.getText();
  if (isDockerfile(doc)) return dockerfileSymbols(text, new LineIndex(text));
  return isFlotillaFile(doc) ? stackSymbols(parseYaml(text)) : manifestSymbols(parseYaml(text));
});

documents.listen(connection);
connection.listen();
