// Which file names hold what: Dockerfiles (Containerfile included), manifests and stack
// files. Defined once here and used by the engine, the language server and the VS Code
// client, so a file one of them recognises is never a stranger to another.
import * as path from 'node:path';

/** Stack files in order of preference: flotilla.yaml wins over skaffold.yaml. */
export const STACK_FILES = ['flotilla.yaml', 'flotilla.yml', 'skaffold.yaml', 'skaffold.yml'];
/** Glob of the stack files, for editors' file searches and watchers. */
export const STACK_FILE_GLOB = '**/{flotilla.yaml,flotilla.yml,skaffold.yaml,skaffold.yml}';

/** Dockerfile names: `Dockerfile`, `Containerfile`, `Dockerfile.dev`, `api.Dockerfile`, `api.dockerfile`. */
export const DOCKERFILE_GLOB = '**/{Dockerfile,Dockerfile.*,Containerfile,Containerfile.*,*.Dockerfile,*.dockerfile}';
const DOCKERFILE_NAME = /^(Dockerfile|Containerfile)(\..+)?$|\.(dockerfile|Dockerfile)$/;

/** The Dockerfile a build context uses when the stack file names none, in order (Podman's Containerfile too). */
export const DEFAULT_DOCKERFILES = ['Dockerfile', 'Containerfile'];

/** Manifests are YAML or JSON. */
export const MANIFEST_GLOB = '**/*.{yaml,yml,json}';

export function isDockerfileName(file: string): boolean {
  return DOCKERFILE_NAME.test(path.basename(file));
}

export function isYamlName(file: string): boolean {
  return /\.ya?ml$/i.test(file);
}

export function isJsonName(file: string): boolean {
  return /\.json$/i.test(file);
}

export function isStackFileName(file: string): boolean {
  return STACK_FILES.includes(path.basename(file));
}
