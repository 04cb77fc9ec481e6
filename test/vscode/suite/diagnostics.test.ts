// The language client runs: a broken manifest gets an error from the Flotilla server,
// and the error goes away when the file is fixed.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { flotilla, until, workspaceDir } from './util';

const BROKEN = [
  'apiVersion: v1',
  'kind: Service',
  'metadata:',
  '  name: [unclosed',
  'spec:',
  '  selector: {app: web}',
  '',
].join('\n');

export default function (): void {
  describe('language features', () => {
    const file = () => path.join(workspaceDir(), 'broken-service.yaml');
    after(() => fs.rmSync(file(), { force: true }));

    it('reports an error for a broken manifest and clears it when fixed', async function () {
      this.timeout(60_000);
      const api = await flotilla();
      await api.languageClientReady;
      fs.writeFileSync(file(), BROKEN);
      const doc = await vscode.workspace.openTextDocument(file());
      await vscode.window.showTextDocument(doc);
      const errors = () =>
        vscode.languages.getDiagnostics(doc.uri).filter((d) => d.severity === vscode.DiagnosticSeverity.Error);
      const diags = await until(
        () => (errors().length ? errors() : undefined),
        vscode.languages.onDidChangeDiagnostics,
      );
      assert.ok(
        diags.some((d) => d.source === 'flotilla' && d.range.start.line <= 4),
        JSON.stringify(diags),
      );
      const edit = new vscode.WorkspaceEdit();
      edit.replace(doc.uri, doc.lineAt(3).range, '  name: fixed');
      await vscode.workspace.applyEdit(edit);
      await until(() => (errors().length === 0 ? true : undefined), vscode.languages.onDidChangeDiagnostics);
      await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
    });
  });
}
