// The build section of the stack file: flotilla.yaml's `build:` entries (image, context,
// Dockerfile, args, target, and live update's sync, restart and rebuildOn) and skaffold's
// build.artifacts. Contexts and Dockerfiles must stay inside the stack folder.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isMap, isScalar, type Node } from 'yaml';
import { DEFAULT_DOCKERFILES } from './file-names';
import { isDirectory } from './glob';
import { STACK_KEYS, type StackNodeReader } from './stack-reader';
import type { BuildSpec, LiveUpdateSpec, SyncRule } from './types';
import { deref, keyOf, mapPairs, str, type AnyNode } from './yaml-nodes';

/** flotilla.yaml's `build:` list. */
export function readBuilds(r: StackNodeReader, root: AnyNode): BuildSpec[] {
  const builds: BuildSpec[] = [];
  const images = new Set<string>();
  for (const b of r.list(r.get(root, 'build'))) {
    if (!r.section(b, 'build', 'build[]', ['image', 'context'])) continue;
    const image = str(r.get(b, 'image'));
    const context = str(r.get(b, 'context'));
    if (image && images.has(image)) r.at(r.get(b, 'image'), 'FS1007', `Image "${image}" is built twice.`);
    if (!image || context === undefined) continue;
    images.add(image);
    const spec = build(r, b, image, r.get(b, 'context'), r.get(b, 'dockerfile'), args(r, r.get(b, 'args')));
    const live = liveUpdate(r, b);
    if (spec) builds.push({ ...spec, target: str(r.get(b, 'target')), ...(live ? { liveUpdate: live } : {}) });
  }
  return builds;
}

/** skaffold.yaml's build.artifacts (docker builds; live update is flotilla.yaml's only). */
export function readSkaffoldBuilds(r: StackNodeReader, root: AnyNode): BuildSpec[] {
  const builds: BuildSpec[] = [];
  for (const a of r.list(r.get(root, 'build', 'artifacts'))) {
    const image = str(r.get(a, 'image'));
    if (!image) {
      r.at(a, 'FS1003', 'build.artifacts[] needs "image".');
      continue;
    }
    const spec = build(
      r,
      a,
      image,
      r.get(a, 'context'),
      r.get(a, 'docker', 'dockerfile'),
      args(r, r.get(a, 'docker', 'buildArgs')),
    );
    if (spec) builds.push({ ...spec, target: str(r.get(a, 'docker', 'target')) });
  }
  return builds;
}

function args(r: StackNodeReader, node: AnyNode): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of mapPairs(deref(node, r.y.doc))) {
    const k = keyOf(p);
    const v = deref(p.value, r.y.doc);
    if (k === undefined) continue;
    if (isScalar(v) && v.value !== null && typeof v.value !== 'object') out[k] = String(v.value);
    else r.at(v ?? p, 'FS1002', `Build argument ${k} must be a string.`);
  }
  return out;
}

function build(
  r: StackNodeReader,
  b: Node,
  image: string,
  ctxNode: AnyNode,
  dfNode: AnyNode,
  buildArgs: Record<string, string>,
): BuildSpec | undefined {
  const ctxRel = str(ctxNode) ?? '.';
  const context = path.resolve(r.dir, ctxRel);
  const named = str(dfNode);
  const dockerfile = named
    ? path.resolve(context, named)
    : (DEFAULT_DOCKERFILES.map((f) => path.join(context, f)).find((f) => fs.existsSync(f)) ??
      path.join(context, DEFAULT_DOCKERFILES[0]));
  const imageNode = r.get(b, 'image');
  const where = (n: AnyNode) => n ?? imageNode ?? b;
  // A context or Dockerfile outside the stack folder is never read: the stack file must not
  // be a way to send (or echo in messages) files the project does not own.
  const checks: [string, AnyNode, string][] = [
    [context, ctxNode, 'build context'],
    [dockerfile, dfNode ?? ctxNode, 'Dockerfile'],
  ];
  for (const [p, node, what] of checks) {
    if (!inside(r.dir, p)) {
      r.at(
        where(node),
        'FS1008',
        `The ${what} ${path.relative(r.dir, p)} is outside the stack folder: Flotilla only builds from files under ${r.dir}.`,
      );
      return undefined;
    }
  }
  if (!isDirectory(context)) {
    r.at(where(ctxNode), 'FS1005', `Build context "${ctxRel}" is not a folder (${context}).`);
  } else if (!fs.existsSync(dockerfile)) {
    r.at(where(dfNode ?? ctxNode), 'FS1006', `No Dockerfile at ${path.relative(r.dir, dockerfile)}.`);
  }
  return { image, context, dockerfile, buildArgs, source: r.source(imageNode ?? b) };
}

/** A build's sync rules, restart rule and rebuildOn globs; undefined when it has none of them. */
function liveUpdate(r: StackNodeReader, b: AnyNode): LiveUpdateSpec | undefined {
  const syncNode = r.get(b, 'sync');
  const restartNode = r.get(b, 'restart');
  const rebuildNode = r.get(b, 'rebuildOn');
  if (!syncNode && !restartNode && !rebuildNode) return undefined;
  const sync: SyncRule[] = [];
  for (const rule of r.list(syncNode)) {
    if (!r.section(rule, 'build.sync', 'build[].sync[]', ['src', 'dest'])) continue;
    const srcNode = r.get(rule, 'src');
    const destNode = r.get(rule, 'dest');
    const src = str(srcNode);
    const dest = str(destNode);
    if (!src || !dest) continue;
    if (path.isAbsolute(src) || src.split(/[\\/]/).includes('..')) {
      r.at(
        srcNode,
        'FS1002',
        `build[].sync[].src "${src}" must be a path or glob inside the build context, such as src/**.`,
      );
      continue;
    }
    if (!dest.startsWith('/')) {
      r.at(
        destNode,
        'FS1002',
        `build[].sync[].dest "${dest}" must be an absolute path in the container, such as /app/src.`,
        {
          fix: { title: `Use /${dest}`, newText: `/${dest}` },
        },
      );
      continue;
    }
    sync.push({
      src: src.replace(/^\.\//, ''),
      dest: path.posix.normalize(dest).replace(/(.)\/+$/, '$1'),
      source: r.source(rule),
    });
  }
  const rebuildOn: string[] = [];
  for (const g of r.list(rebuildNode)) {
    const v = isScalar(g) && typeof g.value === 'string' ? g.value : undefined;
    if (!v) {
      r.at(g, 'FS1002', 'build[].rebuildOn entries must be paths or globs in the build context, such as package.json.');
    } else rebuildOn.push(v.replace(/^\.\//, ''));
  }
  return { sync, rebuildOn, restart: restartRule(r, restartNode) };
}

/** `restart: {signal: SIGHUP}`, `{exec: [cmd, ...]}` or `{process: true}`: exactly one of them. */
function restartRule(r: StackNodeReader, node: AnyNode): LiveUpdateSpec['restart'] {
  // Not a mapping: the build entry's own check said so.
  if (!isMap(deref(node, r.y.doc))) return undefined;
  const n = r.section(node, 'build.restart', 'build[].restart');
  if (!n) return undefined;
  const given = STACK_KEYS['build.restart'].filter((k) => r.get(n, k) !== undefined);
  if (given.length !== 1) {
    r.at(
      n,
      'FS1002',
      `build[].restart takes one of signal, exec or process, such as {signal: SIGHUP}, {exec: [kill, -HUP, "1"]} or {process: true}${given.length ? `; found ${given.join(' and ')}` : ''}.`,
    );
    return undefined;
  }
  const signalNode = r.get(n, 'signal');
  const signal = str(signalNode);
  if (signal !== undefined) {
    const name = signal.toUpperCase().replace(/^(SIG)?/, 'SIG');
    if (!/^SIG[A-Z][A-Z0-9]*$/.test(name)) {
      r.at(signalNode, 'FS1002', `build[].restart.signal "${signal}" is not a signal name, such as SIGHUP or SIGUSR2.`);
      return undefined;
    }
    return { signal: name };
  }
  const execNode = r.get(n, 'exec');
  if (execNode !== undefined) {
    const cmd = r.list(execNode).map((x) => (isScalar(x) && x.value !== null ? String(x.value) : ''));
    if (!cmd.length || cmd.some((x) => x === '')) {
      r.at(
        execNode,
        'FS1002',
        'build[].restart.exec must be a command as a list of strings, such as [kill, -HUP, "1"].',
      );
      return undefined;
    }
    return { exec: cmd };
  }
  const processNode = r.get(n, 'process');
  if (!isScalar(processNode) || processNode.value !== true) {
    r.at(
      processNode ?? n,
      'FS1002',
      "build[].restart.process must be true (restart the container's main process); leave restart out for no restart.",
    );
    return undefined;
  }
  return { process: true };
}

/** `p` is the stack folder or below it, also after resolving symlinks. */
function inside(dir: string, p: string): boolean {
  const real = (x: string): string => {
    try {
      return fs.realpathSync(x);
    } catch {
      return x; // missing: compared as written, and reported as missing elsewhere
    }
  };
  const rel = path.relative(real(dir), real(p));
  return rel === '' || (!rel.startsWith('..' + path.sep) && rel !== '..' && !path.isAbsolute(rel));
}
