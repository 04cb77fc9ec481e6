// The context hash says nothing about the image a Dockerfile builds FROM, so
// after the base is rebuilt under the same tag (a local base image, say) an
// image could look "up to date" while sitting on the old base. This finds the
// final stage's base image (ARGs and stage names resolved) and checks that the
// existing image's layers still start with the base's current layers. It also
// names the base images a failed build could not find, with the fix.

import type Dockerode from 'dockerode';
import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { DockerfileParser } from 'dockerfile-ast';

/**
 * The image the built stage (the target, else the last stage) ultimately
 * starts FROM, or undefined for `scratch` or a reference that cannot be resolved.
 */
export async function finalBaseImage(
  dockerfile: string,
  buildArgs: Record<string, string>,
  target?: string,
): Promise<string | undefined> {
  const stages = await readStages(dockerfile, buildArgs);
  if (stages.length === 0) return undefined;
  let index = target ? stages.findIndex((s) => s.name === target.toLowerCase()) : stages.length - 1;
  if (index < 0) return undefined;
  // Follow stage references back to a real image; a stage can only use earlier stages.
  for (;;) {
    const ref = stages[index].image;
    const earlier = stages
      .slice(0, index)
      .map((s) => s.name)
      .lastIndexOf(ref.toLowerCase());
    if (earlier < 0) return isImageRef(ref) ? ref : undefined;
    index = earlier;
  }
}

/** Every image the Dockerfile's stages start FROM (not earlier stages, not scratch). */
export async function baseImages(dockerfile: string, buildArgs: Record<string, string>): Promise<string[]> {
  const stages = await readStages(dockerfile, buildArgs);
  const images = stages.filter(
    (s, i) =>
      isImageRef(s.image) &&
      !stages
        .slice(0, i)
        .map((x) => x.name)
        .includes(s.image.toLowerCase()),
  );
  return [...new Set(images.map((s) => s.image))];
}

/**
 * When a build failed because a base image is neither on the engine nor pullable: one line,
 * the fix first ("run … to build it: shop/api's Dockerfile starts FROM it and …"). Undefined
 * when every base image is there (the build failed for another reason).
 */
export async function missingBaseImage(
  docker: Dockerode,
  image: string,
  dockerfile: { path: string; shown: string },
  buildArgs: Record<string, string>,
): Promise<string | undefined> {
  const bases = await baseImages(dockerfile.path, buildArgs).catch(() => []); // unreadable: no diagnosis
  for (const base of bases) {
    const present = await docker
      .getImage(base)
      .inspect()
      .then(
        () => true,
        () => false,
      );
    if (present) continue;
    const cause = `${image} builds FROM ${base} (${dockerfile.shown}), which this Docker engine does not have and cannot pull`;
    if (!base.startsWith('flotilla.local/')) return `pull or build ${base} first (docker pull ${base}): ${cause}`;
    const script = localBaseScript();
    return script
      ? `build the local base images first (bash ${script}): ${cause}`
      : `build the local base images first (bash extension/scripts/base-images.sh in the Flotilla repository), or set the NODE_IMAGE build argument to a registry image: ${cause}`;
  }
  return undefined;
}

/** The script that builds the flotilla.local/* images, when this engine runs from a checkout of Flotilla. */
function localBaseScript(): string | undefined {
  let dir = __dirname;
  for (let i = 0; i < 5; i++) {
    const script = path.join(dir, 'extension', 'scripts', 'base-images.sh');
    if (existsSync(script)) return script;
    dir = path.dirname(dir);
  }
  return undefined;
}

function isImageRef(ref: string): boolean {
  return ref !== '' && !ref.includes('$') && ref.toLowerCase() !== 'scratch';
}

interface Stage {
  image: string;
  name?: string;
}

/** The stages' FROM images with global ARGs (overridden by --build-arg) resolved, and their names. */
async function readStages(dockerfile: string, buildArgs: Record<string, string>): Promise<Stage[]> {
  const parsed = DockerfileParser.parse(await fs.readFile(dockerfile, 'utf8'));
  const instructions = parsed.getInstructions();
  // Global ARGs: those before the first FROM, overridden by --build-arg.
  const globals: Record<string, string> = {};
  for (const ins of instructions) {
    const keyword = ins.getKeyword().toUpperCase();
    if (keyword === 'FROM') break;
    if (keyword !== 'ARG') continue;
    for (const arg of ins.getArguments()) {
      const [name, ...rest] = arg.getValue().split('=');
      const value = buildArgs[name] ?? (rest.length > 0 ? expand(unquote(rest.join('=')), globals) : undefined);
      if (value !== undefined) globals[name] = value;
    }
  }
  return parsed
    .getFROMs()
    .map((f) => ({ image: expand(f.getImage() ?? '', globals), name: f.getBuildStage()?.toLowerCase() }));
}

/**
 * False when `existing` was not built on the current `baseRef`: its layers do
 * not start with the base's layers. True when this cannot be told (base absent).
 */
export async function builtOnCurrentBase(
  docker: Dockerode,
  existing: Dockerode.ImageInspectInfo,
  baseRef: string,
): Promise<boolean> {
  let base: Dockerode.ImageInspectInfo;
  try {
    base = await docker.getImage(baseRef).inspect();
  } catch {
    return true; // the base is not present locally: this cannot be told, so the cached image stands
  }
  const have = existing.RootFS?.Layers ?? [];
  const want = base.RootFS?.Layers ?? [];
  return want.every((layer, i) => have[i] === layer);
}

function expand(s: string, vars: Record<string, string>): string {
  return s.replace(
    /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::[-+]([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (m, braced: string, def: string, bare: string) => {
      const name = braced ?? bare;
      if (vars[name] !== undefined && vars[name] !== '') return m.includes(':+') ? (def ?? '') : vars[name];
      return m.includes(':-') ? (def ?? '') : '';
    },
  );
}

function unquote(v: string): string {
  return /^(["']).*\1$/.test(v) ? v.slice(1, -1) : v;
}
