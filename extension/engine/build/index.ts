export { buildImage, withTag, type BuildOptions, type BuildResult } from './build-image';
export { contextHash, hashListing } from './context-hash';
export {
  listContextFiles,
  contextIncludes,
  collectContext,
  loadDockerignore,
  DEFAULT_MAX_CONTEXT_BYTES,
  type ContextEntry,
  type ContextListing,
  type ContextOptions,
} from './context';
export { DockerIgnore, parseDockerignore } from './dockerignore';
export { tarStream } from './tar';
