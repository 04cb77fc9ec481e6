// The language client runs: a broken manifest gets an error from the Flotilla server,
// and the error goes away when the file is fixed.
import * as assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { flotilla, until, workspaceDir } from './util';

/** The docker CLI (on the engine the tests use); throws with its output on failure. */
function docker(args: string[], input?: string): string {
  return execFileSync('docker', args, {
    input,
    encoding: 'utf8',
    env: { ...process.env, DOCKER_BUILDKIT: '0' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

/** Debian's docker-registry as a plain process on a free 127.0.0.1 port (the engine trusts loopback registries). */
async function startRegistry(): Promise<{ port: number; stop: () => Promise<void> }> {
  const port = await new Promise<number>((resolve) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const p = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(p));
    });
  });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-registry-'));
  const config = path.join(dir, 'config.yml');
  fs.writeFileSync(
    config,
    `version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: ${dir}/data\nhttp:\n  addr: 127.0.0.1:${port}\n`,
  );
  const child = spawn('docker-registry', ['serve', config], { stdio: 'ignore' });
  const stop = async () => {
    if (child.exitCode === null) {
      const gone = new Promise((r) => child.once('exit', r));
      child.kill();
      await gone;
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  const until = Date.now() + 20_000;
  for (;;) {
    const up = await fetch(`http://127.0.0.1:${port}/v2/`).then(
      (r) => r.ok,
      () => false,
    );
    if (up) return { port, stop };
    if (Date.now() > until || child.exitCode !== null) {
      await stop();
      throw new Error('docker-registry did not answer');
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

function codeOf(d: vscode.Diagnostic): string | number | undefined {
  return typeof d.code === 'object' ? d.code.value : d.code;
}

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
    // Edits are taken back by hand and saved: the web workbench saves edits on its own after a second.
    let undo: (() => Thenable<unknown>) | undefined;
    afterEach(async () => {
      await undo?.();
      undo = undefined;
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    });

    const open = async (rel: string) => {
      await (
        await flotilla()
      ).languageClientReady;
      const doc = await vscode.workspace.openTextDocument(path.join(workspaceDir(), rel));
      await vscode.window.showTextDocument(doc);
      return doc;
    };
    const codes = (uri: vscode.Uri) => vscode.languages.getDiagnostics(uri).map((d) => String(codeOf(d)));
    const insertAfter = async (doc: vscode.TextDocument, lineText: RegExp, text: string) => {
      const line = doc
        .getText()
        .split('\n')
        .findIndex((l) => lineText.test(l));
      assert.ok(line >= 0, `no line ${lineText} in ${doc.uri.fsPath}`);
      const edit = new vscode.WorkspaceEdit();
      edit.insert(doc.uri, new vscode.Position(line + 1, 0), text);
      await vscode.workspace.applyEdit(edit);
      undo = async () => {
        const back = new vscode.WorkspaceEdit();
        back.delete(doc.uri, new vscode.Range(line + 1, 0, line + 1 + text.split('\n').length - 1, 0));
        await vscode.workspace.applyEdit(back);
        await doc.save();
      };
      return line + 1;
    };

    it('the shipped example opens without a problem (replicas within the HPA range is no finding)', async function () {
      this.timeout(60_000);
      const doc = await open('k8s/api.yaml');
      // The stack's Dockerfiles get their (hint) findings in the same run as api.yaml.
      const dockerfile = vscode.Uri.file(path.join(workspaceDir(), 'services', 'api', 'Dockerfile'));
      await until(() => (codes(dockerfile).length ? true : undefined), vscode.languages.onDidChangeDiagnostics);
      assert.deepEqual(codes(doc.uri), []);
    });

    it('a half-typed key reports its YAML error, not the cross-resource warnings it would cause', async function () {
      this.timeout(60_000);
      const doc = await open('k8s/web.yaml');
      await insertAfter(doc, /^\s+image: /, '          re\n');
      const found = await until(
        () => (codes(doc.uri).includes('FK1001') ? codes(doc.uri) : undefined),
        vscode.languages.onDidChangeDiagnostics,
      );
      assert.deepEqual(
        found.filter((c) => c.startsWith('FX')),
        [],
      );
    });

    it('the :latest warning cites one code and offers to pin the digest the local engine has', async function () {
      this.timeout(120_000);
      const registry = await startRegistry();
      const tag = `127.0.0.1:${registry.port}/flotilla-pin-${Math.random().toString(36).slice(2, 8)}:latest`;
      let image: string | undefined;
      try {
        // An image of this test's own (its label is unique), pushed so the engine knows its registry digest.
        docker(['build', '-q', '-t', tag, '-'], `FROM flotilla.local/busybox:1\nLABEL dev.flotilla.test=${tag}\n`);
        image = docker(['image', 'inspect', '-f', '{{.Id}}', tag]).trim();
        docker(['push', tag]);
        const digest = docker(['image', 'inspect', '-f', '{{join .RepoDigests " "}}', tag]).trim().split(' ')[0];
        assert.match(digest, /@sha256:[0-9a-f]{64}$/);
        const dir = path.join(workspaceDir(), 'pin-test');
        fs.mkdirSync(dir, { recursive: true });
        fs.writeFileSync(path.join(dir, 'Dockerfile'), `FROM ${tag}\nCMD ["sh"]\n`);
        undo = async () => fs.rmSync(dir, { recursive: true, force: true });
        const doc = await open('pin-test/Dockerfile');
        const d = await until(
          () => vscode.languages.getDiagnostics(doc.uri).find((x) => codeOf(x) === 'FD3007'),
          vscode.languages.onDidChangeDiagnostics,
        );
        assert.doesNotMatch(d.message, /DL3007/);
        const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>(
          'vscode.executeCodeActionProvider',
          doc.uri,
          d.range,
        );
        const pin = actions.find((a) => a.title.startsWith("Pin to the local image's digest"));
        assert.ok(pin?.edit, actions.map((a) => a.title).join('\n'));
        await vscode.workspace.applyEdit(pin.edit);
        assert.equal(doc.lineAt(0).text, `FROM ${digest}`);
        await until(
          () => (vscode.languages.getDiagnostics(doc.uri).some((x) => codeOf(x) === 'FD3007') ? undefined : true),
          vscode.languages.onDidChangeDiagnostics,
        );
      } finally {
        if (image) docker(['rmi', '-f', image]);
        await registry.stop();
      }
    });

    it('completion offers no key the mapping already has, above or below the cursor', async function () {
      this.timeout(60_000);
      const doc = await open('k8s/web.yaml');
      const line = await insertAfter(doc, /^\s+- name: web$/, '          \n');
      const list = await vscode.commands.executeCommand<vscode.CompletionList>(
        'vscode.executeCompletionItemProvider',
        doc.uri,
        new vscode.Position(line, 10),
      );
      const labels = list.items.map((i) => (typeof i.label === 'string' ? i.label : i.label.label));
      assert.ok(labels.includes('livenessProbe'), labels.join(', '));
      for (const present of ['name', 'image', 'ports', 'env', 'resources', 'readinessProbe']) {
        assert.ok(!labels.includes(present), `${present} offered again`);
      }
    });

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
