// Open an endpoint in the browser, copy its URL, open a resource's manifest at its line.
import * as vscode from 'vscode';
import type { Ctx } from '../ctx';
import { inform } from '../notify';
import type { RowNode } from './row-arg';

type AnyNode = RowNode | string | undefined;

async function pickUrl(ctx: Ctx, node: AnyNode): Promise<string | undefined> {
  if (typeof node === 'string') return node;
  if (node && 'url' in node) return node.url;
  const urls = (ctx.status?.services ?? []).flatMap((s) => s.urls.map((url) => ({ label: url, description: s.name })));
  if (!urls.length) {
    inform('No Service URL: the stack is not running or exposes no Service.');
    return undefined;
  }
  return (await vscode.window.showQuickPick(urls, { placeHolder: 'Service URL' }))?.label;
}

export async function openEndpoint(ctx: Ctx, node?: AnyNode): Promise<void> {
  const url = await pickUrl(ctx, node);
  // asExternalUri maps 127.0.0.1 ports through a remote (code-server, SSH) when needed.
  if (url) await vscode.env.openExternal(await vscode.env.asExternalUri(vscode.Uri.parse(url)));
}

export async function copyUrl(ctx: Ctx, node?: AnyNode): Promise<void> {
  const url = await pickUrl(ctx, node);
  if (!url) return;
  await vscode.env.clipboard.writeText(url);
  inform(`Flotilla: copied ${url} to the clipboard.`);
}

export async function openManifest(ctx: Ctx, node?: AnyNode): Promise<vscode.TextEditor | undefined> {
  const s = ctx.status;
  let ref: { file: string; line: number } | undefined;
  if (typeof node === 'string') {
    ref = s?.deployments.find((d) => d.name === node)?.manifest ?? s?.services.find((x) => x.name === node)?.manifest;
  } else if (node && 'deployment' in node) {
    ref = s?.deployments.find((d) => d.name === node.deployment)?.manifest;
  } else if (node && 'service' in node) {
    ref = s?.services.find((x) => x.name === node.service)?.manifest;
  } else {
    const items = [
      ...(s?.deployments ?? []).flatMap((d) =>
        d.manifest ? [{ label: d.name, description: 'Deployment', ref: d.manifest }] : [],
      ),
      ...(s?.services ?? []).flatMap((x) =>
        x.manifest ? [{ label: x.name, description: 'Service', ref: x.manifest }] : [],
      ),
    ];
    ref = (await vscode.window.showQuickPick(items, { placeHolder: 'Resource' }))?.ref;
  }
  if (!ref) return undefined;
  const pos = new vscode.Position(Math.max(0, ref.line - 1), 0);
  return vscode.window.showTextDocument(vscode.Uri.file(ref.file), { selection: new vscode.Range(pos, pos) });
}
