// Manifest globs and the folder walk of `flotilla lint`: the engine's walker, so a glob that
// loads in `up` never gets a false "matches no file" in the editor.
import { listFiles } from '../../../extension/engine/model/glob';

export { expandGlob, listFiles, type ListFiles } from '../../../extension/engine/model/glob';
export { isDockerfileName, isJsonName, isYamlName } from '../../../extension/engine/model/file-names';

/** Build output folders: skipped when `flotilla lint` walks a folder (they hold copies), never inside a glob's own base. */
const BUILD_OUTPUT = new Set(['dist', 'out']);

/** Every file under dir for a folder-mode `flotilla lint`, relative and sorted. */
export function walk(dir: string): string[] {
  return listFiles(dir, BUILD_OUTPUT);
}
