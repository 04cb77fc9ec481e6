// Volumes that name a ConfigMap, Secret or claim the stack does not declare. A cluster
// accepts such a pod and leaves it waiting (FailedMount) until the object exists, unless
// the reference is optional; `up` does the same, and says so at load with the volume's
// file:line so the cause is visible before anything waits.
import type { ObjectFilesSource } from './pod-types';
import type { StackSpec } from './types';

export interface RefWarning {
  file: string;
  line: number;
  column: number;
  message: string;
  severity: 'warning';
}

export function missingReferences(stack: StackSpec): RefWarning[] {
  const out: RefWarning[] = [];
  const has = (kind: 'configMap' | 'secret', name: string) =>
    (kind === 'configMap' ? stack.configMaps : stack.secrets).some((o) => o.name === name);
  for (const d of stack.deployments) {
    for (const v of d.template.volumes ?? []) {
      const at = { file: v.source.file, line: v.source.line, column: v.source.column, severity: 'warning' as const };
      const check = (kind: 'configMap' | 'secret', src: ObjectFilesSource) => {
        if (src.optional || has(kind, src.name)) return;
        const label = kind === 'configMap' ? 'ConfigMap' : 'Secret';
        out.push({
          ...at,
          message: `deployment ${d.name}: volume "${v.name}" needs ${label} "${src.name}", which the stack does not declare: its pods wait (FailedMount) until it exists; add it, or mark the reference optional: true`,
        });
      };
      if (v.configMap) check('configMap', v.configMap);
      if (v.secret) check('secret', v.secret);
      for (const s of v.projected?.sources ?? []) {
        if (s.configMap) check('configMap', s.configMap);
        if (s.secret) check('secret', s.secret);
      }
      const claim = v.persistentVolumeClaim?.claimName;
      if (claim && !stack.claims.some((c) => c.name === claim)) {
        out.push({
          ...at,
          message: `deployment ${d.name}: volume "${v.name}" needs PersistentVolumeClaim "${claim}", which the stack does not declare: its pods wait (FailedMount) until it exists`,
        });
      }
    }
  }
  return out;
}
