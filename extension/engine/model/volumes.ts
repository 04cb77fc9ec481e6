// spec.volumes and volumeMounts → typed specs, validated as the API server does
// (one source per volume, relative item paths without '..', modes within 0777,
// field paths the downward API knows), so a manifest a cluster would refuse is
// refused here with its line, and one it accepts runs.
import { parseCpu, parseMemory } from './quantity';
import type { Obj, Reader } from './reader';
import type { YamlPath } from './yaml-source';
import type {
  DownwardFile,
  KeyToPath,
  ObjectFilesSource,
  ProjectedSource,
  ResourceFieldRef,
  VolumeMount,
  VolumeSpec,
} from './pod-types';

/** Kubernetes' defaultMode for configMap, secret, downwardAPI and projected volumes. */
export const DEFAULT_FILE_MODE = 0o644;
/** Kubernetes' default (and minimum) service account token lifetime. */
export const DEFAULT_TOKEN_SECONDS = 3600;

/** Volume sources the local engine mounts. Others are reported and left out. */
export const MOUNTED_SOURCES = [
  'emptyDir',
  'hostPath',
  'persistentVolumeClaim',
  'configMap',
  'secret',
  'downwardAPI',
  'projected',
] as const;

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Field paths a downwardAPI volume file may name (labels/annotations as a whole, or one key). */
const VOLUME_FIELDS = [
  'metadata.name',
  'metadata.namespace',
  'metadata.uid',
  'metadata.labels',
  'metadata.annotations',
];
/** Field paths an env var's fieldRef may name. */
export const ENV_FIELDS = [
  'metadata.name',
  'metadata.namespace',
  'metadata.uid',
  'spec.nodeName',
  'spec.serviceAccountName',
  'status.hostIP',
  'status.hostIPs',
  'status.podIP',
  'status.podIPs',
];
const RESOURCES = ['limits.cpu', 'limits.memory', 'requests.cpu', 'requests.memory'];
/** The only divisors Kubernetes accepts, per resource. */
const CPU_DIVISORS = ['1m', '1'];
const MEMORY_DIVISORS = ['1', '1k', '1M', '1G', '1T', '1P', '1E', '1Ki', '1Mi', '1Gi', '1Ti', '1Pi', '1Ei'];

export interface ReadVolumes {
  volumes: VolumeSpec[];
  /** Volumes of a type the local engine does not mount (warned about, left out). */
  unmounted: { path: YamlPath; message: string }[];
  /** Every declared name, mounted or not (what volumeMounts may refer to). */
  names: string[];
}

export function readVolumes(r: Reader, v: unknown, path: YamlPath): ReadVolumes {
  const out: ReadVolumes = { volumes: [], unmounted: [], names: [] };
  const seen = new Set<string>();
  r.arr(v, path).forEach((item, i) => {
    const vp = [...path, i];
    const o = r.obj(item, vp);
    if (!o) return;
    const name = r.str(o.name, [...vp, 'name'], true) ?? '';
    if (name && !DNS_LABEL.test(name)) {
      r.fail([...vp, 'name'], `"${name}" is not a valid volume name: use lowercase letters, digits and '-'`);
    }
    if (seen.has(name)) r.fail([...vp, 'name'], `duplicate volume name "${name}"`);
    seen.add(name);
    out.names.push(name);
    const types = Object.keys(o).filter((k) => k !== 'name');
    if (types.length === 0) return r.fail(vp, `volume "${name}" must specify a volume type (e.g. emptyDir: {})`);
    if (types.length > 1) {
      return r.fail(
        [...vp, types[1]],
        `volume "${name}" may not specify more than one volume type (${types.join(', ')})`,
      );
    }
    const type = types[0];
    const tp = [...vp, type];
    const vol: VolumeSpec = { name, source: r.at(vp) };
    switch (type) {
      case 'emptyDir': {
        const e = r.obj(o.emptyDir, tp) ?? {};
        const medium = r.oneOf(e.medium, [...tp, 'medium'], ['', 'Memory'] as const, '');
        const size =
          e.sizeLimit === undefined
            ? undefined
            : r.guard([...tp, 'sizeLimit'], () => parseMemory(e.sizeLimit as string | number));
        vol.emptyDir = { medium, sizeLimitBytes: size };
        break;
      }
      case 'hostPath': {
        const h = r.obj(o.hostPath, tp) ?? {};
        vol.hostPath = { path: r.str(h.path, [...tp, 'path'], true) ?? '/' };
        break;
      }
      case 'persistentVolumeClaim': {
        const c = r.obj(o.persistentVolumeClaim, tp) ?? {};
        vol.persistentVolumeClaim = {
          claimName: r.str(c.claimName, [...tp, 'claimName'], true) ?? '',
          readOnly: r.bool(c.readOnly, [...tp, 'readOnly']) ?? false,
        };
        break;
      }
      case 'configMap':
      case 'secret': {
        const c = r.obj(o[type], tp) ?? {};
        const files = readObjectFiles(r, c, tp, type === 'secret' ? 'secretName' : 'name');
        vol[type] = { ...files, defaultMode: readMode(r, c.defaultMode, [...tp, 'defaultMode']) ?? DEFAULT_FILE_MODE };
        break;
      }
      case 'downwardAPI': {
        const c = r.obj(o.downwardAPI, tp) ?? {};
        vol.downwardAPI = {
          items: readDownwardItems(r, c.items, [...tp, 'items']),
          defaultMode: readMode(r, c.defaultMode, [...tp, 'defaultMode']) ?? DEFAULT_FILE_MODE,
        };
        break;
      }
      case 'projected': {
        const c = r.obj(o.projected, tp) ?? {};
        vol.projected = {
          sources: r.arr(c.sources, [...tp, 'sources']).map((s, j) => readProjection(r, s, [...tp, 'sources', j])),
          defaultMode: readMode(r, c.defaultMode, [...tp, 'defaultMode']) ?? DEFAULT_FILE_MODE,
        };
        checkUniquePaths(r, vol.projected.sources, [...tp, 'sources']);
        break;
      }
      default:
        out.unmounted.push({
          path: vp,
          message: `volume "${name}" (${type}) is not mounted: the local engine mounts ${MOUNTED_SOURCES.join(', ')} volumes`,
        });
        return;
    }
    out.volumes.push(vol);
  });
  return out;
}

function readObjectFiles(r: Reader, c: Obj, path: YamlPath, nameKey: 'name' | 'secretName'): ObjectFilesSource {
  const name = r.str(c[nameKey], [...path, nameKey], true) ?? '';
  const items =
    c.items === undefined
      ? undefined
      : r.arr(c.items, [...path, 'items']).map((it, i): KeyToPath => {
          const ip = [...path, 'items', i];
          const io = r.obj(it, ip) ?? {};
          const key = r.str(io.key, [...ip, 'key'], true) ?? '';
          const p = r.str(io.path, [...ip, 'path'], true) ?? '';
          checkRelativePath(r, p, [...ip, 'path']);
          return { key, path: p, mode: readMode(r, io.mode, [...ip, 'mode']) };
        });
  return { name, items, optional: r.bool(c.optional, [...path, 'optional']) ?? false };
}

function readDownwardItems(r: Reader, v: unknown, path: YamlPath): DownwardFile[] {
  return r.arr(v, path).map((it, i) => {
    const ip = [...path, i];
    const o = r.obj(it, ip) ?? {};
    const p = r.str(o.path, [...ip, 'path'], true) ?? '';
    checkRelativePath(r, p, [...ip, 'path']);
    const file: DownwardFile = { path: p, mode: readMode(r, o.mode, [...ip, 'mode']) };
    const f = r.obj(o.fieldRef, [...ip, 'fieldRef']);
    if (f) {
      const fieldPath = r.str(f.fieldPath, [...ip, 'fieldRef', 'fieldPath'], true) ?? '';
      if (!isVolumeField(fieldPath)) {
        r.fail(
          [...ip, 'fieldRef', 'fieldPath'],
          `unsupported value "${fieldPath}" in a downwardAPI volume: supported values: ${VOLUME_FIELDS.join(', ')}, metadata.labels['KEY'], metadata.annotations['KEY']`,
        );
      }
      file.fieldRef = { fieldPath };
    }
    const res = r.obj(o.resourceFieldRef, [...ip, 'resourceFieldRef']);
    if (res) {
      file.resourceFieldRef = readResourceFieldRef(r, res, [...ip, 'resourceFieldRef']);
      if (!file.resourceFieldRef.containerName) {
        r.fail([...ip, 'resourceFieldRef', 'containerName'], 'is required in a downwardAPI volume');
      }
    }
    if (!f === !res) r.fail(ip, 'a downwardAPI item needs exactly one of fieldRef or resourceFieldRef');
    return file;
  });
}

function readProjection(r: Reader, v: unknown, path: YamlPath): ProjectedSource {
  const o = r.obj(v, path) ?? {};
  const keys = Object.keys(o);
  if (keys.length !== 1) {
    r.fail(path, 'a projected source needs exactly one of configMap, secret, downwardAPI or serviceAccountToken');
  }
  const out: ProjectedSource = {};
  const cm = r.obj(o.configMap, [...path, 'configMap']);
  if (cm) out.configMap = readObjectFiles(r, cm, [...path, 'configMap'], 'name');
  const sec = r.obj(o.secret, [...path, 'secret']);
  if (sec) out.secret = readObjectFiles(r, sec, [...path, 'secret'], 'name');
  const dw = r.obj(o.downwardAPI, [...path, 'downwardAPI']);
  if (dw) out.downwardAPI = { items: readDownwardItems(r, dw.items, [...path, 'downwardAPI', 'items']) };
  const tok = r.obj(o.serviceAccountToken, [...path, 'serviceAccountToken']);
  if (tok) {
    const tp = [...path, 'serviceAccountToken'];
    const p = r.str(tok.path, [...tp, 'path'], true) ?? '';
    checkRelativePath(r, p, [...tp, 'path']);
    out.serviceAccountToken = {
      path: p,
      audience: r.str(tok.audience, [...tp, 'audience']),
      expirationSeconds:
        r.int(tok.expirationSeconds, [...tp, 'expirationSeconds'], { min: 600, max: 2 ** 32 }) ?? DEFAULT_TOKEN_SECONDS,
    };
  }
  for (const k of keys) {
    if (!['configMap', 'secret', 'downwardAPI', 'serviceAccountToken'].includes(k)) {
      r.fail(
        [...path, k],
        `projected source "${k}" is not supported by the local engine (configMap, secret, downwardAPI, serviceAccountToken)`,
        true,
      );
    }
  }
  return out;
}

/** Two projected sources writing the same path: the API server refuses it ("conflicting duplicate paths"). */
function checkUniquePaths(r: Reader, sources: ProjectedSource[], path: YamlPath): void {
  const seen = new Set<string>();
  sources.forEach((s, i) => {
    const paths = [
      ...(s.configMap?.items ?? []).map((x) => x.path),
      ...(s.secret?.items ?? []).map((x) => x.path),
      ...(s.downwardAPI?.items ?? []).map((x) => x.path),
      ...(s.serviceAccountToken ? [s.serviceAccountToken.path] : []),
    ];
    for (const p of paths) {
      if (seen.has(p)) r.fail([...path, i], `conflicting duplicate path "${p}" in projected sources`);
      seen.add(p);
    }
  });
}

export function readResourceFieldRef(r: Reader, o: Obj, path: YamlPath): ResourceFieldRef {
  const resource = r.str(o.resource, [...path, 'resource'], true) ?? '';
  if (resource && !RESOURCES.includes(resource)) {
    r.fail([...path, 'resource'], `unsupported value "${resource}": supported values: ${RESOURCES.join(', ')}`);
  }
  const cpu = resource.endsWith('.cpu');
  let divisor = cpu ? 1000 : 1;
  if (o.divisor !== undefined) {
    const text = String(o.divisor);
    const allowed = cpu ? CPU_DIVISORS : MEMORY_DIVISORS;
    if (!allowed.includes(text)) {
      r.fail(
        [...path, 'divisor'],
        `"${text}" is not a valid divisor for ${resource}: use one of ${allowed.join(', ')}`,
      );
    } else {
      divisor = cpu ? parseCpu(text) : parseMemory(text);
    }
  }
  return { containerName: r.str(o.containerName, [...path, 'containerName']), resource, divisor };
}

function isVolumeField(p: string): boolean {
  return VOLUME_FIELDS.includes(p) || /^metadata\.(labels|annotations)\['[^']+'\]$/.test(p);
}

export function isEnvField(p: string): boolean {
  return ENV_FIELDS.includes(p) || /^metadata\.(labels|annotations)\['[^']+'\]$/.test(p);
}

/** Item and sub paths: relative, no '..' element (the API server's validateLocalDescendingPath). */
export function checkRelativePath(r: Reader, p: string, path: YamlPath): void {
  if (p.startsWith('/')) r.fail(path, `"${p}" must be a relative path`);
  else if (p.split('/').includes('..')) r.fail(path, `"${p}" must not contain '..'`);
  else if (p.startsWith('..')) r.fail(path, `"${p}" must not start with '..'`);
}

/**
 * A file mode. Kubernetes reads manifests as YAML 1.1, where 0644 is octal; the YAML 1.2
 * reader here would take it as decimal 644, so a leading-zero literal is re-read as octal.
 */
export function readMode(r: Reader, v: unknown, path: YamlPath): number | undefined {
  if (v === undefined || v === null) return undefined;
  let mode = v;
  const node = r.doc.doc.getIn(path, true);
  const source = node && typeof node === 'object' && 'source' in node ? node.source : undefined;
  if (typeof source === 'string' && /^0[0-7]+$/.test(source)) mode = parseInt(source, 8);
  const n = r.int(mode, path, { min: 0 });
  if (n !== undefined && n > 0o777) {
    r.fail(path, `${n} must be a file mode between 0 and 0777 (octal; 511 decimal), e.g. 0644 or 420`);
    return undefined;
  }
  return n;
}

/** A container's volumeMounts, checked against the pod's volumes. */
export function readVolumeMounts(r: Reader, v: unknown, path: YamlPath): VolumeMount[] {
  const mountPaths = new Set<string>();
  return r.arr(v, path).map((m, i) => {
    const mp = [...path, i];
    const o = r.obj(m, mp) ?? {};
    const mount: VolumeMount = {
      name: r.str(o.name, [...mp, 'name'], true) ?? '',
      mountPath: r.str(o.mountPath, [...mp, 'mountPath'], true) ?? '',
      readOnly: r.bool(o.readOnly, [...mp, 'readOnly']) ?? false,
      subPath: r.str(o.subPath, [...mp, 'subPath']) || undefined,
      subPathExpr: r.str(o.subPathExpr, [...mp, 'subPathExpr']) || undefined,
    };
    if (mount.subPath) checkRelativePath(r, mount.subPath, [...mp, 'subPath']);
    if (mount.subPathExpr) checkRelativePath(r, mount.subPathExpr, [...mp, 'subPathExpr']);
    if (mount.subPath && mount.subPathExpr) {
      r.fail([...mp, 'subPathExpr'], 'subPathExpr and subPath are mutually exclusive');
    }
    if (mount.mountPath && mountPaths.has(mount.mountPath)) {
      r.fail([...mp, 'mountPath'], `"${mount.mountPath}" must be unique among the container's mounts`);
    }
    mountPaths.add(mount.mountPath);
    return mount;
  });
}
