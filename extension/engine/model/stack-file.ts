// The stack file: flotilla.yaml, or a skaffold.yaml read the same way when there
// is no flotilla.yaml. Paths in it are relative to the file's folder.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { applyEnv } from './env-overrides';
import { parseCpu, parseMemory } from './quantity';
import type { Problem } from './problems';
import { Reader } from './reader';
import { parseYamlFile } from './yaml-source';
import type { BuildSpec, NodeSpec, StackSettings } from './types';
import { errorMessage } from '../util/errors';

import { STACK_FILES } from './file-names';

export { STACK_FILES };

export interface StackFile {
  name: string;
  dir: string;
  file: string;
  manifests: string[];
  builds: BuildSpec[];
  /** Empty means "one node sized to the Docker host". */
  nodes: NodeSpec[];
  settings: StackSettings;
}

export const DEFAULT_SETTINGS: StackSettings = {
  backoffBaseSeconds: 10,
  backoffMaxSeconds: 300,
  resyncSeconds: 30,
  hpaSyncSeconds: 15,
  bindAddress: '127.0.0.1',
  allow: { privileged: false, hostNetwork: false, hostPID: false, hostPath: false, capabilities: false },
};

/** The stack file in `dir`, preferring flotilla.yaml over skaffold.yaml. */
export function findStackFile(dir: string): string | undefined {
  for (const f of STACK_FILES) {
    const p = path.join(dir, f);
    if (fs.existsSync(p)) return p;
  }
  return undefined;
}

/** No stack file is this big; parsing one would stall the engine. */
export const MAX_STACK_FILE_BYTES = 1024 * 1024;

export function readStackFile(file: string): { stack?: StackFile; problems: Problem[] } {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    return { problems: [{ file, line: 1, column: 1, message: `cannot read the stack file: ${errorMessage(e)}` }] };
  }
  if (text.includes('\u0000')) {
    return {
      problems: [
        {
          file,
          line: 1,
          column: 1,
          message: 'this is a binary file, not a stack file: flotilla.yaml needs at least `name:` and `manifests:`',
        },
      ],
    };
  }
  if (text.length > MAX_STACK_FILE_BYTES) {
    return {
      problems: [
        {
          file,
          line: 1,
          column: 1,
          message: `the stack file is ${(text.length / 1048576).toFixed(1)} MB, above the ${MAX_STACK_FILE_BYTES / 1048576} MB limit`,
        },
      ],
    };
  }
  const parsed = parseYamlFile(file, text);
  if (parsed.problems.length || !parsed.docs.length) {
    const empty = parsed.problems.length
      ? []
      : [{ file, line: 1, column: 1, message: 'the stack file is empty: it needs at least `name:` and `manifests:`' }];
    return { problems: [...parsed.problems, ...empty] };
  }
  const r = new Reader(parsed.docs[0]);
  const isSkaffold = path.basename(file).startsWith('skaffold');
  const stack = isSkaffold ? readSkaffold(r, file) : readFlotilla(r, file);
  return { stack: r.problems.length ? undefined : stack, problems: r.problems };
}

const TOP_KEYS = ['name', 'manifests', 'build', 'nodes', 'settings', 'security'] as const;

function readFlotilla(r: Reader, file: string): StackFile {
  const dir = path.dirname(file);
  const o = r.obj(r.doc.value, []) ?? {};
  r.known(o, [], TOP_KEYS);
  const name = r.str(o.name, ['name'], true) ?? 'stack';
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name) || name.length > 40) {
    r.fail(['name'], `"${name}" is not a valid stack name: use up to 40 lowercase letters, digits and '-'`);
  }
  const manifests = r.arr(o.manifests, ['manifests']).map((g, i) => r.str(g, ['manifests', i]) ?? '');
  if (o.manifests === undefined) r.fail(['manifests'], 'is required, e.g. manifests: ["k8s/*.yaml"]');
  const builds = r.arr(o.build, ['build']).flatMap((b, i) => {
    const bp = ['build', i];
    const bo = r.obj(b, bp) ?? {};
    r.known(bo, bp, ['image', 'context', 'dockerfile', 'args', 'target']);
    const image = r.str(bo.image, [...bp, 'image'], true);
    const context = r.str(bo.context, [...bp, 'context'], true);
    if (!image || !context) return [];
    return [
      buildSpec(
        r,
        bp,
        dir,
        image,
        context,
        r.str(bo.dockerfile, [...bp, 'dockerfile']),
        r.strMap(bo.args, [...bp, 'args']),
        r.str(bo.target, [...bp, 'target']),
      ),
    ];
  });
  const nodes = r.arr(o.nodes, ['nodes']).flatMap((n, i) => {
    const np = ['nodes', i];
    const no = r.obj(n, np) ?? {};
    r.known(no, np, ['name', 'cpu', 'memory', 'labels', 'unschedulable']);
    const nodeName = r.str(no.name, [...np, 'name'], true);
    if (no.cpu === undefined) r.fail([...np, 'cpu'], 'is required, e.g. cpu: "2"');
    if (no.memory === undefined) r.fail([...np, 'memory'], 'is required, e.g. memory: 2Gi');
    const cpuMilli = no.cpu === undefined ? undefined : r.guard([...np, 'cpu'], () => parseCpu(no.cpu as string));
    const memoryBytes =
      no.memory === undefined ? undefined : r.guard([...np, 'memory'], () => parseMemory(no.memory as string));
    if (!nodeName || cpuMilli === undefined || memoryBytes === undefined) return [];
    return [
      {
        name: nodeName,
        cpuMilli,
        memoryBytes,
        labels: r.strMap(no.labels, [...np, 'labels']),
        unschedulable: r.bool(no.unschedulable, [...np, 'unschedulable']) ?? false,
      },
    ];
  });
  const seen = new Set<string>();
  nodes.forEach((n, i) => {
    if (seen.has(n.name)) r.fail(['nodes', i, 'name'], `duplicate node name "${n.name}"`);
    seen.add(n.name);
  });
  const explicitBind = typeof o.settings === 'object' && o.settings !== null && 'bindAddress' in o.settings;
  return withEnv({ name, dir, file, manifests, builds, nodes, settings: readSettings(r, o) }, r, explicitBind);
}

/** Environment overrides (the extension's settings); a bad value is a problem on the stack file's first line. */
function withEnv(s: StackFile, r: Reader, explicitBind: boolean): StackFile {
  try {
    const env = applyEnv(s.settings, { bindAddress: explicitBind, nodes: s.nodes.length > 0 });
    return { ...s, settings: env.settings, nodes: s.nodes.length ? s.nodes : env.nodes };
  } catch (e) {
    r.fail([], errorMessage(e));
    return s;
  }
}

function readSettings(r: Reader, o: Record<string, unknown>): StackSettings {
  const s = r.obj(o.settings, ['settings']) ?? {};
  r.known(
    s,
    ['settings'],
    [
      'backoffBaseSeconds',
      'backoffMaxSeconds',
      'terminationGracePeriodSeconds',
      'resyncSeconds',
      'hpaSyncSeconds',
      'hpaDownscaleStabilizationSeconds',
      'bindAddress',
    ],
  );
  const num = (k: string, min: number) => {
    const v = s[k];
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !(v >= min)) {
      r.fail(['settings', k], `expected a number of seconds ≥ ${min}`);
      return undefined;
    }
    return v;
  };
  const sec = r.obj(o.security, ['security']) ?? {};
  r.known(sec, ['security'], ['allow']);
  const allowIn = r.obj(sec.allow, ['security', 'allow']) ?? {};
  const allowKeys = Object.keys(DEFAULT_SETTINGS.allow) as (keyof StackSettings['allow'])[];
  r.known(allowIn, ['security', 'allow'], allowKeys);
  const allow = { ...DEFAULT_SETTINGS.allow };
  for (const k of allowKeys) allow[k] = r.bool(allowIn[k], ['security', 'allow', k]) ?? false;
  return {
    backoffBaseSeconds: num('backoffBaseSeconds', 0.1) ?? DEFAULT_SETTINGS.backoffBaseSeconds,
    backoffMaxSeconds: num('backoffMaxSeconds', 0.1) ?? DEFAULT_SETTINGS.backoffMaxSeconds,
    terminationGracePeriodSeconds: num('terminationGracePeriodSeconds', 0),
    resyncSeconds: num('resyncSeconds', 1) ?? DEFAULT_SETTINGS.resyncSeconds,
    hpaSyncSeconds: num('hpaSyncSeconds', 1) ?? DEFAULT_SETTINGS.hpaSyncSeconds,
    hpaDownscaleStabilizationSeconds: num('hpaDownscaleStabilizationSeconds', 0),
    bindAddress: r.str(s.bindAddress, ['settings', 'bindAddress']) ?? DEFAULT_SETTINGS.bindAddress,
    allow,
  };
}

function readSkaffold(r: Reader, file: string): StackFile {
  const dir = path.dirname(file);
  const o = r.obj(r.doc.value, []) ?? {};
  const meta = r.obj(o.metadata, ['metadata']) ?? {};
  const name = (r.str(meta.name, ['metadata', 'name']) ?? path.basename(dir)).toLowerCase().replace(/[^a-z0-9-]/g, '-');
  const build = r.obj(o.build, ['build']) ?? {};
  const builds = r.arr(build.artifacts, ['build', 'artifacts']).flatMap((a, i) => {
    const ap = ['build', 'artifacts', i];
    const ao = r.obj(a, ap) ?? {};
    const image = r.str(ao.image, [...ap, 'image'], true);
    if (!image) return [];
    const docker = r.obj(ao.docker, [...ap, 'docker']) ?? {};
    return [
      buildSpec(
        r,
        ap,
        dir,
        image,
        r.str(ao.context, [...ap, 'context']) ?? '.',
        r.str(docker.dockerfile, [...ap, 'docker', 'dockerfile']),
        r.strMap(docker.buildArgs, [...ap, 'docker', 'buildArgs']),
        r.str(docker.target, [...ap, 'docker', 'target']),
      ),
    ];
  });
  const manifestsObj = r.obj(o.manifests, ['manifests']) ?? {};
  const manifests = r
    .arr(manifestsObj.rawYaml, ['manifests', 'rawYaml'])
    .map((g, i) => r.str(g, ['manifests', 'rawYaml', i]) ?? '');
  if (!manifests.length) {
    r.fail(['manifests'], 'Flotilla reads skaffold manifests from manifests.rawYaml, which is missing or empty');
  }
  return withEnv({ name, dir, file, manifests, builds, nodes: [], settings: readSettings(r, {}) }, r, false);
}

function buildSpec(
  r: Reader,
  at: (string | number)[],
  dir: string,
  image: string,
  context: string,
  dockerfile: string | undefined,
  buildArgs: Record<string, string>,
  target: string | undefined,
): BuildSpec {
  const ctx = path.resolve(dir, context);
  const df = path.resolve(ctx, dockerfile ?? 'Dockerfile');
  if (!fs.existsSync(ctx)) {
    r.fail([...at, 'context'], `build context ${context} does not exist (relative to ${path.basename(r.doc.file)})`);
  } else if (outside(dir, ctx)) {
    r.fail(
      [...at, 'context'],
      `build context ${context} resolves outside the stack folder; Flotilla only sends files from inside it to Docker`,
    );
  } else if (!fs.existsSync(df)) {
    r.fail([...at, dockerfile ? 'dockerfile' : 'context'], `no Dockerfile at ${path.relative(dir, df)}`);
  } else if (outside(dir, df)) {
    r.fail(
      [...at, dockerfile ? 'dockerfile' : 'context'],
      `Dockerfile ${path.relative(dir, df)} resolves outside the stack folder; Flotilla only sends files from inside it to Docker`,
    );
  } else if (fs.statSync(df).size > MAX_DOCKERFILE_BYTES) {
    r.fail(
      [...at, dockerfile ? 'dockerfile' : 'context'],
      `Dockerfile ${path.relative(dir, df)} is ${(fs.statSync(df).size / 1048576).toFixed(1)} MB, above the ${MAX_DOCKERFILE_BYTES / 1048576} MB limit: no real Dockerfile is this big, and parsing it would stall the engine`,
    );
  }
  return { image, context: ctx, dockerfile: df, buildArgs, target, source: r.at(at) };
}

/** Dockerfiles larger than this are refused (the Dockerfile parser slows down superlinearly on huge files). */
export const MAX_DOCKERFILE_BYTES = 1024 * 1024;

/** Whether `p` resolves (symlinks included) outside the stack folder `dir`. */
function outside(dir: string, p: string): boolean {
  try {
    const rel = path.relative(fs.realpathSync(dir), fs.realpathSync(p));
    return rel === '..' || rel.startsWith('..' + path.sep) || path.isAbsolute(rel);
  } catch {
    return false; // missing: reported as missing
  }
}
