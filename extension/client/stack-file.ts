// Finds the stack file (flotilla.yaml or .yml, else skaffold.yaml or .yml) in the workspace
// and keeps the `flotilla.noStackFile` context key current. Pure file-system work: no Docker.
// The names come from the engine's own list, so the extension finds what `flotilla up` reads.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { parseDocument } from 'yaml';
import { isStackFileName, STACK_FILE_GLOB, STACK_FILES } from '../engine/model/file-names';

export const STACK_GLOB = STACK_FILE_GLOB;
const EXCLUDE = '**/{node_modules,.git,.cache,dist,out}/**';

export interface StackLocation {
  file: vscode.Uri;
  dir: string;
  /** The stack file's `name:` (skaffold: metadata.name), else the folder's name. */
  name: string;
}

export async function findStackFile(): Promise<StackLocation | undefined> {
  const found = await vscode.workspace.findFiles(STACK_GLOB, EXCLUDE, 20);
  // Prefer flotilla.yaml, then the shallowest path, so a nested example never wins
  // over the workspace's own stack.
  found.sort((a, b) => rank(a) - rank(b) || a.fsPath.split(path.sep).length - b.fsPath.split(path.sep).length);
  const file = found[0];
  if (!file) return undefined;
  const dir = path.dirname(file.fsPath);
  return { file, dir, name: await readStackName(file, path.basename(dir)) };
}

async function readStackName(file: vscode.Uri, fallback: string): Promise<string> {
  let doc: unknown;
  try {
    doc = parseDocument(Buffer.from(await vscode.workspace.fs.readFile(file)).toString('utf8')).toJS();
  } catch {
    return fallback; // unreadable or not YAML: the language server reports why
  }
  const name = field(doc, 'name') ?? field(field(doc, 'metadata'), 'name');
  return typeof name === 'string' && name ? name : fallback;
}

function field(v: unknown, key: string): unknown {
  return typeof v === 'object' && v !== null && key in v ? Reflect.get(v, key) : undefined;
}

/** The engine's order of preference: flotilla.yaml, flotilla.yml, skaffold.yaml, skaffold.yml. */
function rank(u: vscode.Uri): number {
  return STACK_FILES.indexOf(path.basename(u.fsPath));
}

/** Watches stack files appear and disappear; calls back with the current location. */
export function watchStackFile(onChange: (loc: StackLocation | undefined) => void): vscode.Disposable {
  const watcher = vscode.workspace.createFileSystemWatcher(STACK_GLOB);
  const refresh = async () => onChange(await findStackFile());
  return vscode.Disposable.from(
    watcher,
    watcher.onDidCreate(refresh),
    watcher.onDidChange(refresh),
    watcher.onDidDelete(refresh),
  );
}

/** Lists YAML files that hold Kubernetes objects, for "create stack file". */
export async function findManifests(): Promise<vscode.Uri[]> {
  const files = await vscode.workspace.findFiles('**/*.{yaml,yml}', EXCLUDE, 500);
  const out: vscode.Uri[] = [];
  for (const f of files) {
    if (isStackFileName(f.fsPath)) continue;
    const text = Buffer.from(await vscode.workspace.fs.readFile(f)).toString('utf8');
    if (
      /^apiVersion:\s*\S+/m.test(text) &&
      /^kind:\s*(Deployment|Service|HorizontalPodAutoscaler|ConfigMap|Secret)\b/m.test(text)
    ) {
      out.push(f);
    }
  }
  return out.sort((a, b) => a.fsPath.localeCompare(b.fsPath));
}
