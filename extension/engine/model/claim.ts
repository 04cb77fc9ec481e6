// PersistentVolumeClaim spec → typed claim: a standalone claim and a StatefulSet's
// volumeClaimTemplates entry read the same way. As the API server, a claim must ask
// for storage (resources.requests.storage); locally it becomes one named Docker volume
// (see docker/volumes.ts), so size, access modes and class are recorded, not enforced.
import { parseMemory } from './quantity';
import type { Reader } from './reader';
import type { YamlPath } from './yaml-source';
import type { ClaimSpec, SourceRef } from './types';

const ACCESS_MODES = ['ReadWriteOnce', 'ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOncePod'] as const;

/** Reads `spec` (at `path`) of a claim named `name`; problems are recorded on `r`. */
export function readClaimSpec(r: Reader, v: unknown, path: YamlPath, name: string, source: SourceRef): ClaimSpec {
  const spec = r.obj(v, path) ?? {};
  if (v === undefined) r.fail(path, 'is required (at least resources.requests.storage)');
  const accessModes = r
    .arr(spec.accessModes, [...path, 'accessModes'])
    .map((m, i) => r.oneOf(m, [...path, 'accessModes', i], ACCESS_MODES, 'ReadWriteOnce'));
  const res = r.obj(spec.resources, [...path, 'resources']) ?? {};
  const req = r.obj(res.requests, [...path, 'resources', 'requests']) ?? {};
  let storageBytes = 0;
  if (req.storage === undefined) {
    r.fail(
      [...path, 'resources', 'requests', 'storage'],
      'is required: a claim must request storage, e.g. resources: {requests: {storage: 1Gi}}',
    );
  } else {
    storageBytes =
      r.guard([...path, 'resources', 'requests', 'storage'], () => parseMemory(req.storage as string | number)) ?? 0;
  }
  const volumeMode = r.oneOf(spec.volumeMode, [...path, 'volumeMode'], ['Filesystem', 'Block'] as const, 'Filesystem');
  if (volumeMode === 'Block') {
    r.fail(
      [...path, 'volumeMode'],
      'Block claims are not supported by the local engine: a claim is a Docker volume (Filesystem)',
    );
  }
  return {
    name,
    source,
    storageBytes,
    accessModes: accessModes.length ? accessModes : ['ReadWriteOnce'],
    storageClassName: r.str(spec.storageClassName, [...path, 'storageClassName']),
  };
}
