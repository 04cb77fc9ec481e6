// Runs every rule over a stack (stack file, its manifests, its build Dockerfiles) or over loose
// files, with parse results cached by text so the language server re-lints a stack cheaply.
import { readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { KINDS } from '../../../extension/engine/model/honoured';
import { isJsonName, isYamlName } from '../../../extension/engine/model/file-names';
import { renderKustomization } from '../../../extension/engine/model/kustomize';
import { KUSTOMIZATION_FILES, skipNote } from '../../../extension/engine/model/not-manifests';
import { SourceMap } from '../../../extension/engine/model/source-map';
import { Cancelled } from '../../../extension/engine/util/errors';
import { localImages } from '../core/docker-images';
import { finalize } from '../core/suppress';
import { LineIndex } from '../core/lines';
import type { FileFinding, Finding, Range, RuleSettings } from '../core/types';
import { checkCross, type Located } from '../cross/rules';
import { checkSecurity } from '../cross/security';
import { lintDockerfile } from '../dockerfile/lint';
import { parseDockerfile, type ParsedDockerfile } from '../dockerfile/model';
import { lintManifestFile, resourcesOf, type Resource } from '../k8s/resources';
import { readStack, STACK_FILES, type Stack } from '../stack/stack-file';
import { parseYaml, type YamlFile } from '../yaml/parse';
import { addUpRefusals } from './up-refusals';

/** Files above this size are reported, not parsed, to keep the server responsive. */
export const MAX_FILE_BYTES = 8 * 1024 * 1024;
/** The engine's limits (extension/engine/model): `up` refuses larger manifests and Dockerfiles, so lint says so too. */
export const ENGINE_MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
export const MAX_DOCKERFILE_BYTES = 1024 * 1024;

export interface LintOptions {
  settings?: RuleSettings;
  /** 'docker' queries the local engine (default); a set is used as is; null skips FX1013. */
  images?: 'docker' | Set<string> | null;
  /** Reads a file's current text (open editor buffers first); defaults to the disk. */
  read?: (file: string) => string | undefined;
  cache?: ParseCache;
  /** Lists a stack folder's files for glob matching (the server caches it); defaults to a walk. */
  listFiles?: (dir: string) => string[];
  /** Checked between files; a superseded validation stops early. */
  isCancelled?: () => boolean;
}

interface Entry {
  text: string;
  yaml?: YamlFile;
  df?: ParsedDockerfile;
  own?: Finding[];
  resources?: Resource[];
}

/** Parse results and per-file findings, reused while a file's text is unchanged. */
export class ParseCache {
  private readonly entries = new Map<string, Entry>();
  entry(file: string, text: string): Entry {
    let e = this.entries.get(file);
    if (!e || e.text !== text) {
      e = { text };
      this.entries.set(file, e);
    }
    return e;
  }
  delete(file: string): void {
    this.entries.delete(file);
  }
  get size(): number {
    return this.entries.size;
  }
}

export { Cancelled };

const ZERO = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };

export function readDisk(file: string): string | undefined {
  try {
    if (statSync(file).size > MAX_FILE_BYTES) return '\0too-large';
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

export function isStackFile(file: string): boolean {
  return STACK_FILES.includes(path.basename(file));
}

/** The stack file governing a folder: flotilla.yaml first, else skaffold.yaml. */
export function stackFileIn(dir: string, exists: (f: string) => boolean): string | undefined {
  return STACK_FILES.map((f) => path.join(dir, f)).find(exists);
}

export class Run {
  readonly read: (file: string) => string | undefined;
  readonly cache: ParseCache;
  readonly out = new Map<string, Finding[]>();
  readonly texts = new Map<string, string>();
  readonly renders = new Map<string, SourceMap>();
  /** Manifests that do not parse as YAML right now (a key being typed, say). */
  readonly unparsed = new Set<string>();
  constructor(readonly opts: LintOptions) {
    this.read = opts.read ?? readDisk;
    this.cache = opts.cache ?? new ParseCache();
  }
  add(file: string, fs: Finding[]): void {
    const list = this.out.get(file) ?? [];
    list.push(...fs);
    this.out.set(file, list);
  }
  text(file: string): string | undefined {
    if (this.opts.isCancelled?.()) throw new Cancelled();
    const t = this.read(file);
    if (t !== undefined) this.texts.set(file, t);
    return t;
  }
  tooLarge(file: string, text: string): boolean {
    if (text !== '\0too-large' && text.length <= MAX_FILE_BYTES) return false;
    this.add(file, [
      {
        code: 'FK1001',
        severity: 'information',
        message: `File larger than ${MAX_FILE_BYTES >> 20} MB: not validated.`,
        range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
      },
    ]);
    return true;
  }
  manifest(file: string): Resource[] {
    const text = this.text(file);
    if (text === undefined) return [];
    this.out.set(file, this.out.get(file) ?? []);
    if (this.tooLarge(file, text)) return [];
    if (text.length > ENGINE_MAX_MANIFEST_BYTES) {
      this.add(file, [
        {
          code: 'FK1004',
          severity: 'error',
          message: `Manifest of ${(text.length / 1048576).toFixed(1)} MB: \`flotilla up\` refuses manifests above ${ENGINE_MAX_MANIFEST_BYTES >> 20} MB. Split it, or remove it from the manifests globs.`,
          range: ZERO,
        },
      ]);
    }
    const e = this.cache.entry(file, text);
    const skip = skipNote(file, text);
    if (skip) {
      // a kustomization or a Helm template: one note, no resources (as `up` skips it)
      this.add(file, [{ ...skip, range: ZERO }]);
      return [];
    }
    e.yaml ??= parseYaml(text);
    e.own ??= lintManifestFile(file, e.yaml);
    e.resources ??= resourcesOf(file, e.yaml);
    if (e.yaml.docs.some((d) => d.errors.length > 0)) this.unparsed.add(file);
    this.add(file, e.own);
    return e.resources;
  }
  dockerfile(file: string): ParsedDockerfile | null {
    const text = this.text(file);
    if (text === undefined) return null;
    this.out.set(file, this.out.get(file) ?? []);
    if (this.tooLarge(file, text)) return null;
    // The Dockerfile parser slows down faster than the file grows, and a binary file would
    // only echo its bytes back in messages: both are refused before parsing, as `up` does.
    if (text.length > MAX_DOCKERFILE_BYTES || text.includes('\0')) {
      const why = text.includes('\0')
        ? 'is a binary file, not a Dockerfile'
        : `is ${(text.length / 1048576).toFixed(1)} MB, above the ${MAX_DOCKERFILE_BYTES >> 20} MB limit`;
      this.add(file, [
        {
          code: 'FD1013',
          severity: 'error',
          message: `This file ${why}: not validated. Point the build at the real Dockerfile.`,
          range: ZERO,
        },
      ]);
      return null;
    }
    const e = this.cache.entry(file, text);
    e.df ??= parseDockerfile(text);
    e.own ??= lintDockerfile(text, e.df);
    this.add(file, e.own);
    return e.df;
  }
  async images(): Promise<Set<string> | null> {
    const i = this.opts.images === undefined ? 'docker' : this.opts.images;
    return i === 'docker' ? localImages() : i;
  }
  /** A kustomize folder of the stack: rendered, linted as one text, its findings later moved to the files it came from. */
  kustomize(stackFile: string, k: { dir: string; range: Range }): Resource[] {
    if (this.opts.isCancelled?.()) throw new Cancelled();
    const result = renderKustomization(k.dir);
    if (!result.ok) {
      this.add(stackFile, [{ code: 'FS1009', message: result.error, range: k.range }]);
      return [];
    }
    const r = result.rendered;
    // every file the render read belongs to the stack (its diagnostics are published and cleared with it)
    for (const src of [r.kustomization, ...r.sources]) {
      if (!isYamlName(src) && !isJsonName(src) && !KUSTOMIZATION_FILES.includes(path.basename(src))) continue;
      const t = this.read(src);
      if (t === undefined) continue;
      this.texts.set(src, t);
      this.out.set(src, this.out.get(src) ?? []);
    }
    const virtual = `${r.kustomization}${RENDERED}`;
    this.texts.set(virtual, r.text);
    this.renders.set(virtual, new SourceMap(r, (f) => this.read(f)));
    const e = this.cache.entry(virtual, r.text);
    e.yaml ??= parseYaml(r.text);
    e.own ??= lintManifestFile(virtual, e.yaml);
    e.resources ??= resourcesOf(virtual, e.yaml);
    this.add(virtual, e.own);
    return e.resources;
  }
  finish(): Map<string, FileFinding[]> {
    this.moveRendered();
    const res = new Map<string, FileFinding[]>();
    for (const [file, fs] of this.out) {
      res.set(file, finalize(file, this.texts.get(file) ?? '', fs, this.opts.settings));
    }
    return res;
  }
  /** Findings on rendered kustomize output go to the place in the user's files they came from (once). */
  moveRendered(): void {
    for (const [virtual, map] of this.renders) {
      this.renders.delete(virtual);
      const found = this.out.get(virtual) ?? [];
      this.out.delete(virtual);
      const from = new LineIndex(map.rendered.text);
      const lines = new Map<string, LineIndex>();
      for (const f of found) {
        const place = map.place(from.offset(f.range.start));
        let li = lines.get(place.file);
        if (!li) lines.set(place.file, (li = new LineIndex(place.text)));
        const range = li.range(place.range[0], place.range[1]);
        // a quick fix edits the rendered text, which is nobody's file: it does not travel
        this.add(place.file, [{ ...f, range, fix: undefined }]);
        if (!this.texts.has(place.file)) this.texts.set(place.file, place.text);
      }
    }
  }
}

/** Suffix of the name under which a kustomize folder's rendered output is linted. */
export const RENDERED = '#rendered';

async function crossAndSecurity(
  run: Run,
  resources: Resource[],
  stack: Stack | undefined,
  dockerfiles: Map<string, ParsedDockerfile | null>,
): Promise<void> {
  // A manifest that does not parse (a half-typed key) yields resources with parts missing, and
  // the cross-resource checks would report what is only unfinished: they wait until it parses.
  const cross: Located[] = run.unparsed.size
    ? []
    : checkCross({
        resources,
        builds: stack?.builds ?? [],
        dockerfiles,
        localImages: await run.images(),
        loose: !stack,
      });
  for (const f of cross) run.add(f.file, [f]);
  const allow = stack?.allow ?? {
    privileged: false,
    hostNetwork: false,
    hostPID: false,
    hostPath: false,
    capabilities: false,
  };
  // what `up` leaves out never reaches the host: the security rules apply to what it runs
  for (const r of resources) if (KINDS[r.kind]) run.add(r.file, checkSecurity(r, allow));
}

/** All rules over one stack; the result has an entry (maybe empty) for every file involved. */
export async function lintStack(
  stackFile: string,
  opts: LintOptions = {},
): Promise<{ stack?: Stack; findings: Map<string, FileFinding[]> }> {
  const run = new Run(opts);
  const text = run.text(stackFile);
  if (text === undefined) return { findings: new Map() };
  const { stack, findings } = readStack(stackFile, text, opts.listFiles);
  run.add(stackFile, findings);
  const resources = [
    ...stack.manifests.flatMap((m) => run.manifest(m)),
    ...stack.kustomize.flatMap((k) => run.kustomize(stackFile, k)),
  ];
  const dockerfiles = new Map<string, ParsedDockerfile | null>();
  for (const b of stack.builds) {
    if (!dockerfiles.has(b.dockerfile)) dockerfiles.set(b.dockerfile, run.dockerfile(b.dockerfile));
  }
  await crossAndSecurity(run, resources, stack, dockerfiles);
  run.moveRendered();
  addUpRefusals(run, stackFile);
  return { stack, findings: run.finish() };
}

/** Files outside any stack: manifests are checked together (one group), Dockerfiles alone. */
export async function lintLoose(
  manifests: string[],
  dockerfiles: string[],
  opts: LintOptions = {},
): Promise<Map<string, FileFinding[]>> {
  const run = new Run(opts);
  const resources = manifests.flatMap((m) => run.manifest(m));
  for (const d of dockerfiles) run.dockerfile(d);
  await crossAndSecurity(run, resources, undefined, new Map());
  return run.finish();
}

/** The stack and its parsed resources, without running the rules (for navigation). */
export function stackResources(stackFile: string, opts: LintOptions = {}): { stack?: Stack; resources: Resource[] } {
  const run = new Run(opts);
  const text = run.text(stackFile);
  if (text === undefined) return { resources: [] };
  const { stack } = readStack(stackFile, text, opts.listFiles);
  return {
    stack,
    resources: [
      ...stack.manifests.flatMap((m) => run.manifest(m)),
      ...stack.kustomize.flatMap((k) => run.kustomize(stackFile, k)),
    ],
  };
}
