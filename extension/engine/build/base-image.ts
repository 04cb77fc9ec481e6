// The context hash says nothing about the image a Dockerfile builds FROM, so
// after the base is rebuilt under the same tag (a local base image, say) an
// image could look "up to date" while sitting on the old base. This finds the
// final stage's base image (ARGs and stage names resolved) and checks that the
// existing image's layers still start with the base's current layers.

import type Dockerode from 'dockerode';
import { promises as fs } from 'node:fs';
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
  const stages = parsed
    .getFROMs()
    .map((f) => ({ image: expand(f.getImage() ?? '', globals), name: f.getBuildStage()?.toLowerCase() }));
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
    if (earlier < 0) return ref === '' || ref.includes('$') || ref.toLowerCase() === 'scratch' ? undefined : ref;
    index = earlier;
  }
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
