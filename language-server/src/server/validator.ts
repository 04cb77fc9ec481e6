// Schedules validation: debounced per stack, superseded runs are cancelled (checked between
// files) and their results dropped, and diagnostics are published for every file of the stack,
// so editing a Deployment updates the Service's squiggles in another file.
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DiagnosticSeverity, type Connection, type Diagnostic, type TextDocuments } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { errorDetail } from '../../../extension/engine/util/errors';
import { ruleUrl } from '../core/catalog';
import type { FileFinding, RuleSettings, Severity } from '../core/types';
import { Cancelled, isStackFile, lintLoose, lintStack, ParseCache, readDisk, stackFileIn } from '../lint/project';
import { isJsonName } from '../../../extension/engine/model/file-names';
import { isDockerfileName, listFiles } from '../stack/glob';
import { finalize } from '../core/suppress';
import { parseYaml } from '../yaml/parse';

const SEVERITY: Record<Severity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  information: DiagnosticSeverity.Information,
  hint: DiagnosticSeverity.Hint,
};

export interface ValidatorOptions {
  debounceMs: number;
  docker: boolean;
  settings: () => RuleSettings;
}

export function uriToPath(uri: string): string {
  return uri.startsWith('file:') ? fileURLToPath(uri) : uri;
}

export function toDiagnostic(f: FileFinding): Diagnostic {
  return {
    range: f.range,
    severity: SEVERITY[f.severity],
    code: f.code,
    codeDescription: { href: ruleUrl(f.code) },
    source: 'flotilla',
    message: f.message,
    ...(f.fix ? { data: { fix: f.fix } } : {}),
  };
}

export class Validator {
  readonly cache = new ParseCache();
  /** file → stack file whose last run covered it. */
  private readonly member = new Map<string, string>();
  private readonly published = new Map<string, Set<string>>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly gens = new Map<string, number>();
  private readonly uris = new Map<string, string>();
  /** Completed runs, for tests and the benchmark: resolves when every scheduled run is done. */
  private pending = 0;
  /** Files whose change caused the pending run: always republished (a client waits on them). */
  private readonly touched = new Map<string, Set<string>>();
  /** Last diagnostics sent per uri: the other files of a stack are republished only on change. */
  private readonly lastSent = new Map<string, string>();
  /** Folder listings for glob matching, dropped when a file appears or vanishes. */
  private readonly listings = new Map<string, string[]>();
  readonly listFiles = (dir: string): string[] => {
    let l = this.listings.get(dir);
    if (!l) this.listings.set(dir, (l = listFiles(dir)));
    return l;
  };
  private idle: (() => void)[] = [];

  constructor(
    private readonly conn: Connection,
    private readonly docs: TextDocuments<TextDocument>,
    private readonly opts: ValidatorOptions,
  ) {}

  /** Whether the local Docker engine may be asked (images, digests): false in tests without one. */
  get usesDocker(): boolean {
    return this.opts.docker;
  }

  readonly read = (file: string): string | undefined => {
    const uri = this.uris.get(file);
    const doc = uri ? this.docs.get(uri) : undefined;
    return doc ? doc.getText() : readDisk(file);
  };

  private exists = (file: string) => this.uris.has(file) || existsSync(file);

  /** The validation unit of a file: its stack file, or the file alone. */
  keyOf(file: string): string {
    if (isStackFile(file)) return file;
    const m = this.member.get(file);
    if (m) return m;
    let dir = path.dirname(file);
    for (let i = 0; i < 10; i++) {
      const sf = stackFileIn(dir, this.exists);
      if (sf && !this.knownWithout(sf, file)) return sf;
      const up = path.dirname(dir);
      if (up === dir) break;
      dir = up;
    }
    return 'loose:' + file;
  }

  private readonly covered = new Map<string, Set<string>>();
  private knownWithout(stackFile: string, file: string): boolean {
    const c = this.covered.get(stackFile);
    return !!c && !c.has(file);
  }

  opened(uri: string): void {
    if (!this.member.has(uriToPath(uri))) {
      // maybe a file the listings and the last runs predate: let the stack claim it again
      this.listings.clear();
      this.covered.clear();
    }
    this.uris.set(uriToPath(uri), uri);
    this.schedule(uriToPath(uri));
  }

  closed(uri: string): void {
    const file = uriToPath(uri);
    this.uris.delete(file);
    const key = this.keyOf(file);
    if (key.startsWith('loose:')) {
      this.send(uri, [], true);
      this.lastSent.delete(uri);
      this.published.delete(key);
      this.cache.delete(file);
    } else this.schedule(file); // the disk version now counts
  }

  schedule(file: string): void {
    const key = this.keyOf(file);
    const t = this.touched.get(key) ?? new Set<string>();
    t.add(file);
    this.touched.set(key, t);
    const gen = (this.gens.get(key) ?? 0) + 1;
    this.gens.set(key, gen);
    const old = this.timers.get(key);
    if (old) clearTimeout(old);
    else this.pending++;
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        // run() reports its own failures on the connection; done() must follow either way.
        void this.run(key, gen).finally(() => this.done());
      }, this.opts.debounceMs),
    );
  }

  scheduleAll(): void {
    for (const key of new Set([...this.published.keys(), ...this.covered.keys()])) {
      this.schedule(key.startsWith('loose:') ? key.slice(6) : key);
    }
  }

  /** A file on disk changed, appeared or vanished: its stack (and every stack, for globs) re-runs. */
  fileChanged(file: string, structural: boolean): void {
    this.cache.delete(file);
    if (structural) {
      this.listings.clear();
      this.scheduleAll();
    }
    if (this.uris.has(file) || this.member.has(file) || isStackFile(file)) this.schedule(file);
  }

  private done(): void {
    this.pending--;
    if (this.pending === 0) this.idle.splice(0).forEach((f) => f());
  }

  whenIdle(): Promise<void> {
    return this.pending === 0 ? Promise.resolve() : new Promise((r) => this.idle.push(r));
  }

  private async run(key: string, gen: number): Promise<void> {
    const isCancelled = () => this.gens.get(key) !== gen;
    const opts = {
      settings: this.opts.settings(),
      images: this.opts.docker ? ('docker' as const) : null,
      read: this.read,
      cache: this.cache,
      listFiles: this.listFiles,
      isCancelled,
    };
    let findings: Map<string, FileFinding[]>;
    try {
      if (key.startsWith('loose:')) {
        const file = key.slice(6);
        const df = isDockerfileName(file) || this.languageOf(file) === 'dockerfile';
        const text = df ? '' : (this.read(file) ?? '');
        // YAML outside any stack that is not a manifest (CI workflows, compose files) only gets
        // YAML syntax errors; a Helm template that looks like a manifest gets one note (FK3004)
        const manifestKeys = isJsonName(file) ? /"(apiVersion|kind)"\s*:/ : /^\s*(apiVersion|kind)\s*:/m;
        if (!df && !manifestKeys.test(text)) {
          // JSON that is not a manifest (package.json, tsconfig.json with comments) is not ours to judge
          const syntax = text.includes('{{') || isJsonName(file) ? [] : parseYaml(text).syntax;
          findings = new Map([[file, finalize(file, text, syntax, opts.settings)]]);
        } else findings = await lintLoose(df ? [] : [file], df ? [file] : [], opts);
        // a file alone is only re-validated when its own text changes: keeping its trees buys nothing
        this.cache.delete(file);
      } else {
        findings = (await lintStack(key, opts)).findings;
        this.covered.set(key, new Set(findings.keys()));
        for (const f of findings.keys()) this.member.set(f, key);
        for (const [f, k] of this.member) if (k === key && !findings.has(f)) this.member.delete(f);
        for (const f of this.uris.keys()) {
          if (
            this.keyOf(f) !== key &&
            this.member.get(f) === undefined &&
            !findings.has(f) &&
            path.dirname(f).startsWith(path.dirname(key)) &&
            !this.published.get('loose:' + f)
          ) {
            this.schedule(f);
          }
        }
      }
    } catch (e) {
      if (e instanceof Cancelled) return;
      this.conn.console.error(`flotilla: validation of ${key} failed: ${errorDetail(e)}`);
      return;
    }
    if (isCancelled()) return;
    const now = new Set<string>();
    const touched = this.touched.get(key) ?? new Set<string>();
    this.touched.delete(key);
    for (const [file, fs] of findings) {
      const uri = this.uris.get(file) ?? pathToFileURL(file).toString();
      now.add(uri);
      this.send(uri, fs.map(toDiagnostic), touched.has(file) || touched.has(key));
    }
    for (const uri of this.published.get(key) ?? []) if (!now.has(uri)) this.send(uri, [], true);
    this.published.set(key, now);
  }

  private send(uri: string, diagnostics: Diagnostic[], always: boolean): void {
    const json = JSON.stringify(diagnostics);
    if (!always && this.lastSent.get(uri) === json) return;
    this.lastSent.set(uri, json);
    // Fire and forget: a notification has no reply, and a closed connection is reported by the library.
    void this.conn.sendDiagnostics({ uri, diagnostics });
  }

  private languageOf(file: string): string | undefined {
    const uri = this.uris.get(file);
    return uri ? this.docs.get(uri)?.languageId : undefined;
  }
}
