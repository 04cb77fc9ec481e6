// Kustomize layouts: a folder with a kustomization.yaml, named by the stack file's
// `kustomize:` (or skaffold's manifests.kustomize.paths), is rendered by `kustomize build` or
// `kubectl kustomize`, whichever is on PATH. Rendering goes through a wrapper kustomization
// that asks for `buildMetadata: [originAnnotations]`, so each rendered object says which file
// it came from; problems in it are then shown in that file (source-map.ts), not in output
// the user never sees. Renders are cached per folder until a file they read changes.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as YAML from 'yaml';
import { listFiles } from './glob';
import { KUSTOMIZATION_FILES } from './not-manifests';
import { isObj } from './reader';

export interface Renderer {
  /** What the messages call it: `kustomize build` or `kubectl kustomize`. */
  name: string;
  command: string;
  args: (dir: string) => string[];
}

/** The one line shown when neither tool is installed. */
export const NO_RENDERER =
  'Rendering a kustomization needs `kustomize` or `kubectl` on PATH: install kubectl (Debian: `apt-get install kubernetes-client`) or kustomize (https://kubectl.docs.kubernetes.io/installation/kustomize/).';

/** `kustomize` first (its own release), else kubectl's built-in copy. */
export function findRenderer(env: NodeJS.ProcessEnv = process.env): Renderer | undefined {
  const dirs = (env.PATH ?? '').split(path.delimiter).filter(Boolean);
  const onPath = (name: string) =>
    dirs
      .map((d) => path.join(d, name))
      .find((p) => {
        try {
          fs.accessSync(p, fs.constants.X_OK);
          return fs.statSync(p).isFile();
        } catch {
          return false; // not here, or not executable
        }
      });
  const kustomize = onPath('kustomize');
  if (kustomize) return { name: 'kustomize build', command: kustomize, args: (d) => ['build', d] };
  const kubectl = onPath('kubectl');
  if (kubectl) return { name: 'kubectl kustomize', command: kubectl, args: (d) => ['kustomize', d] };
  return undefined;
}

/** Where a rendered object came from, per its config.kubernetes.io/origin annotation. */
export interface Origin {
  /** The source file: the manifest it was read from, or the kustomization that generated it. */
  file: string;
  /** Set for generated objects: the generator's kind (ConfigMapGenerator, SecretGenerator, …). */
  generatedBy?: string;
}

export interface RenderedDoc {
  /** [start, end) offsets of the document in the rendered text. */
  range: [number, number];
  kind?: string;
  name?: string;
  origin?: Origin;
}

export interface Rendered {
  dir: string;
  /** The kustomization file of `dir` (problems without an origin are shown there). */
  kustomization: string;
  text: string;
  docs: RenderedDoc[];
  /** Every file the render read that we know of: the folder's files and each object's origin. */
  sources: string[];
}

export type RenderResult = { ok: true; rendered: Rendered } | { ok: false; error: string };

const ORIGIN = 'config.kubernetes.io/origin';
const TIMEOUT_MS = 60_000;
const cache = new Map<string, { stamp: string; result: RenderResult }>();

export function kustomizationIn(dir: string): string | undefined {
  return KUSTOMIZATION_FILES.map((k) => path.join(dir, k)).find((f) => fs.existsSync(f));
}

/** Renders the kustomization in `dir` (cached until a file it read changes). */
export function renderKustomization(dir: string, renderer = findRenderer()): RenderResult {
  const kustomization = kustomizationIn(dir);
  if (!kustomization) {
    return { ok: false, error: `${dir} has no kustomization.yaml: point \`kustomize:\` at a folder that holds one.` };
  }
  if (!renderer) return { ok: false, error: NO_RENDERER };
  const known = cache.get(dir);
  if (known) {
    const sources = known.result.ok ? known.result.rendered.sources : listFiles(dir).map((f) => path.join(dir, f));
    if (stampOf(dir, sources) === known.stamp) return known.result;
  }
  const result = run(dir, kustomization, renderer);
  const sources = result.ok ? result.rendered.sources : listFiles(dir).map((f) => path.join(dir, f));
  cache.set(dir, { stamp: stampOf(dir, sources), result });
  return result;
}

function run(dir: string, kustomization: string, renderer: Renderer): RenderResult {
  const wrapper = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-kustomize-'));
  try {
    // kustomize refuses absolute resource paths: the wrapper names the folder relatively
    const rel = path.relative(wrapper, dir).split(path.sep).join('/');
    fs.writeFileSync(
      path.join(wrapper, 'kustomization.yaml'),
      `resources:\n  - ${JSON.stringify(rel)}\nbuildMetadata: [originAnnotations]\n`,
    );
    const out = spawnSync(renderer.command, renderer.args(wrapper), {
      encoding: 'utf8',
      timeout: TIMEOUT_MS,
      maxBuffer: 64 * 1024 * 1024,
    });
    if (out.error) return { ok: false, error: `${renderer.name} could not run: ${out.error.message}` };
    let stdout = out.stdout;
    if (out.status !== 0) {
      // kustomize before v4 knows no buildMetadata: render the folder itself, without origins
      const direct = spawnSync(renderer.command, renderer.args(dir), {
        encoding: 'utf8',
        timeout: TIMEOUT_MS,
        maxBuffer: 64 * 1024 * 1024,
      });
      if (direct.status !== 0) {
        return {
          ok: false,
          error: `${renderer.name} failed: ${firstError(direct.stderr || out.stderr.split(wrapper).join('.'))}`,
        };
      }
      stdout = direct.stdout;
    }
    const docs = renderedDocs(stdout, wrapper);
    const sources = new Set(listFiles(dir).map((f) => path.join(dir, f)));
    for (const d of docs) if (d.origin) sources.add(d.origin.file);
    return { ok: true, rendered: { dir, kustomization, text: stdout, docs, sources: [...sources].sort() } };
  } finally {
    fs.rmSync(wrapper, { recursive: true, force: true });
  }
}

function firstError(stderr: string): string {
  const line = stderr
    .split('\n')
    .map((l) => l.replace(/^Error:\s*/, '').replace(/^E\d{4} [\d:.]+\s+\d+ \S+\] /, ''))
    .find((l) => l.trim());
  return (line ?? 'no output').trim().slice(0, 400);
}

function renderedDocs(text: string, wrapper: string): RenderedDoc[] {
  const out: RenderedDoc[] = [];
  for (const doc of YAML.parseAllDocuments(text, { logLevel: 'silent' })) {
    const v: unknown = doc.toJS({ maxAliasCount: 100 });
    const range: [number, number] = [doc.range[0], doc.range[2]];
    if (!isObj(v)) {
      out.push({ range });
      continue;
    }
    const meta = isObj(v.metadata) ? v.metadata : {};
    const ann = isObj(meta.annotations) ? meta.annotations : {};
    out.push({
      range,
      kind: typeof v.kind === 'string' ? v.kind : undefined,
      name: typeof meta.name === 'string' ? meta.name : undefined,
      origin: typeof ann[ORIGIN] === 'string' ? parseOrigin(ann[ORIGIN], wrapper) : undefined,
    });
  }
  return out;
}

function parseOrigin(text: string, wrapper: string): Origin | undefined {
  let o: unknown;
  try {
    o = YAML.parse(text, { logLevel: 'silent' });
  } catch {
    return undefined; // an annotation we cannot read: the kustomization stands in
  }
  if (!isObj(o)) return undefined;
  if (typeof o.repo === 'string') return undefined; // a remote base: nothing local to point at
  if (typeof o.path === 'string') return { file: path.resolve(wrapper, o.path) };
  if (typeof o.configuredIn === 'string') {
    const by = isObj(o.configuredBy) && typeof o.configuredBy.kind === 'string' ? o.configuredBy.kind : undefined;
    return { file: path.resolve(wrapper, o.configuredIn), generatedBy: by };
  }
  return undefined;
}

/**
 * The contents of the files a render read, and the folder's listing: a change to any re-renders.
 * Contents, not mtimes: two saves within one timestamp tick must not look alike.
 */
function stampOf(dir: string, sources: string[]): string {
  const files = new Set([...listFiles(dir).map((f) => path.join(dir, f)), ...sources]);
  const hash = createHash('sha1');
  for (const f of [...files].sort()) {
    hash.update(f + '\0');
    try {
      hash.update(fs.readFileSync(f));
    } catch {
      hash.update('\0gone'); // a source that vanished changes the stamp
    }
  }
  return hash.digest('hex');
}
