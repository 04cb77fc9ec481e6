// One failing and one passing project per manifest, cross-resource, security and stack rule.
import type { Cases, Files } from './types';

export const STACK = 'name: t\nmanifests: ["k8s/*.yaml"]\n';
export const DEP = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: nginx:1.25
          ports:
            - containerPort: 80
          resources:
            requests: {cpu: 100m, memory: 64Mi}
            limits: {cpu: 500m, memory: 128Mi}
          readinessProbe:
            httpGet: {path: /, port: 80}
`;
export const SVC = `apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: {app: web}
  ports:
    - port: 80
      targetPort: 80
`;
const HPA = `apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: web
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 1
  maxReplicas: 5
  metrics:
    - type: Resource
      resource: {name: cpu, target: {type: Utilization, averageUtilization: 60}}
`;
const NOREPL = DEP.replace('  replicas: 2\n', '');
const m = (...docs: string[]): Files => ({ 'flotilla.yaml': STACK, 'k8s/app.yaml': docs.join('---\n') });
const sec = (allow: string, ...docs: string[]): Files => ({
  'flotilla.yaml': STACK + `security:\n  allow: {${allow}: true}\n`,
  'k8s/app.yaml': docs.join('---\n'),
});
const ctr = (extra: string) => DEP.replace('          readinessProbe:', extra + '\n          readinessProbe:');
const pod = (extra: string) => DEP.replace('      containers:', extra + '\n      containers:');
const build = (expose: string): Files => ({
  'flotilla.yaml': STACK + 'build:\n  - image: shop/web\n    context: web\n',
  'web/Dockerfile': `FROM nginx:1.25\nEXPOSE ${expose}\n`,
  'k8s/app.yaml': DEP.replace('nginx:1.25', 'shop/web:dev'),
});
const stack = (s: string, extra: Files = {}): Files => ({ 'flotilla.yaml': s, 'k8s/app.yaml': DEP, ...extra });

export const MANIFEST_CASES: Cases = {
  FK1001: { bad: m('apiVersion: v1\nkind: [Pod\n'), good: m(DEP) },
  // Just above the engine's 4 MB limit: many small ConfigMaps.
  FK1004: {
    bad: m(
      ...Array.from(
        { length: 17_000 },
        (_, i) => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c${i}}\ndata: {k: "${'x'.repeat(200)}"}\n`,
      ),
    ),
    good: m(DEP),
  },
  FK1002: { bad: m('metadata: {name: x}\n'), good: m(DEP) },
  FK1003: { bad: m(DEP.replace('apps/v1', 'apps/v1beta3')), good: m(DEP) },
  FK1005: {
    bad: m('apiVersion: storage.k8s.io/v1beta1\nkind: StorageClass\nmetadata: {name: fast}\nprovisioner: x\n'),
    good: m('apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata: {name: fast}\nprovisioner: x\n'),
  },
  FK1006: { bad: m(NOREPL, HPA.replace('autoscaling/v2', 'autoscaling/v2beta2')), good: m(NOREPL, HPA) },
  FK1007: {
    bad: m(DEP.replace('  selector:', '  strategy: {rollingUpdate: {maxSurge: 0, maxUnavailable: 0}}\n  selector:')),
    good: m(DEP.replace('  selector:', '  strategy: {rollingUpdate: {maxSurge: 1, maxUnavailable: 0}}\n  selector:')),
  },
  FK2001: { bad: m(ctr('          colour: red')), good: m(DEP) },
  FK2002: { bad: m(SVC.replace('port: 80\n', 'port: "80"\n')), good: m(SVC) },
  FK2003: { bad: m(DEP.replace('  selector:\n    matchLabels: {app: web}\n', '')), good: m(DEP) },
  FK2004: {
    bad: m(ctr('          imagePullPolicy: Sometimes')),
    good: m(ctr('          imagePullPolicy: IfNotPresent')),
  },
  FK2005: { bad: m(DEP.replace('cpu: 100m', 'cpu: 100x')), good: m(DEP.replace('cpu: 100m', 'cpu: "0.1"')) },
  FK2006: {
    bad: m(SVC.replace('name: web\nspec', 'name: 1web.svc\nspec')),
    good: m(DEP.replace('name: web\nspec', 'name: web.v1\nspec')),
  },
  FK2008: {
    bad: m(DEP.replace('labels: {app: web}', 'labels: {app: web, version: "1.4 beta"}')),
    good: m(DEP.replace('labels: {app: web}', 'labels: {app: web, version: "1.4-beta", app.kubernetes.io/name: web}')),
  },
  FK2007: { bad: m(DEP.replace('containerPort: 80', 'containerPort: 70000')), good: m(DEP) },
  FK3001: { bad: m(pod('      affinity: {}\n      tolerations: [{operator: Exists}]')), good: m(DEP) },
  FK3002: { bad: m(DEP, 'apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: web}\n'), good: m(DEP) },
  FK3003: {
    bad: { ...m(DEP), 'k8s/kustomization.yaml': 'resources: [app.yaml]\n' },
    good: { ...m(DEP), 'k8s/kustomization.txt': 'resources: [app.yaml]\n' },
  },
  FK3004: {
    bad: { ...m(DEP), 'k8s/svc.yaml': SVC.replace('port: 80\n', 'port: {{ .Values.port }}\n') },
    good: {
      ...m(DEP),
      'k8s/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: t}\ndata:\n  tpl: |\n    {{ .Labels }}\n',
    },
  },
  FX1001: { bad: m(DEP, SVC.replace('selector: {app: web}', 'selector: {app: nothing}')), good: m(DEP, SVC) },
  FX1002: { bad: m(DEP.replace('labels: {app: web}', 'labels: {app: other}')), good: m(DEP) },
  FX1003: { bad: m(DEP, HPA.replace('name: web}', 'name: ghost}')), good: m(NOREPL, HPA) },
  FX1004: { bad: m(NOREPL, HPA.replace('minReplicas: 1', 'minReplicas: 6')), good: m(NOREPL, HPA) },
  FX1005: { bad: m(NOREPL.replace('cpu: 100m, ', ''), HPA), good: m(NOREPL, HPA) },
  FX1006: { bad: m(DEP, HPA.replace('minReplicas: 1', 'minReplicas: 3')), good: m(DEP, HPA) },
  FX1007: { bad: m(DEP, SVC.replace('targetPort: 80', 'targetPort: 8080')), good: m(DEP, SVC) },
  FX1008: { bad: m(DEP.replace('port: 80}', 'port: 9090}')), good: m(DEP) },
  FX1009: { bad: m(DEP.replace('cpu: 100m', 'cpu: "1"')), good: m(DEP) },
  FX1010: { bad: m(DEP, DEP), good: m(DEP, DEP.replace(/web/g, 'api')) },
  FX1011: {
    bad: m(
      DEP,
      SVC.replace('targetPort: 80', 'targetPort: 80\n      nodePort: 30080'),
      SVC.replace('name: web\nspec', 'name: web2\nspec').replace(
        'targetPort: 80',
        'targetPort: 80\n      nodePort: 30080',
      ),
    ),
    good: m(
      DEP,
      SVC.replace('targetPort: 80', 'targetPort: 80\n      nodePort: 30080'),
      SVC.replace('name: web\nspec', 'name: web2\nspec').replace(
        'targetPort: 80',
        'targetPort: 80\n      nodePort: 30081',
      ),
    ),
  },
  FX1012: { bad: build('8080'), good: build('80') },
  FX1013: { bad: m(DEP.replace('nginx:1.25', 'example/unknown:1')), good: m(DEP) },
  FX1014: {
    bad: m(
      DEP,
      SVC,
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg}\ndata:\n  WEB_URL: "http://web:8080/api"\n',
    ),
    good: m(
      DEP,
      SVC,
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg}\ndata:\n  WEB_URL: "http://web:80/api"\n  OTHER: "elsewhere:8080"\n',
    ),
  },
  FP1001: {
    bad: m(ctr('          securityContext: {privileged: true}')),
    good: sec('privileged', ctr('          securityContext: {privileged: true}')),
  },
  FP1002: { bad: m(pod('      hostNetwork: true')), good: sec('hostNetwork', pod('      hostNetwork: false')) },
  FP1003: { bad: m(pod('      hostPID: true')), good: m(pod('      hostPID: false')) },
  FP1004: {
    bad: m(pod('      volumes: [{name: h, hostPath: {path: /tmp}}]')),
    good: sec('hostPath', pod('      volumes: [{name: h, hostPath: {path: /tmp}}]')),
  },
  FP1005: {
    bad: m(ctr('          securityContext: {capabilities: {add: [NET_ADMIN]}}')),
    good: m(ctr('          securityContext: {capabilities: {drop: [ALL]}}')),
  },
  FS1001: { bad: stack(STACK + 'colour: blue\n'), good: stack(STACK) },
  FS1002: { bad: stack(STACK.replace('name: t', 'name: Bad_Name')), good: stack(STACK) },
  FS1003: { bad: stack('name: t\n'), good: stack(STACK) },
  FS1004: { bad: stack('name: t\nmanifests: ["k8s/*.yaml", "none/*.yaml"]\n'), good: stack(STACK) },
  FS1005: {
    bad: stack(STACK + 'build:\n  - {image: a/b, context: nowhere}\n'),
    good: stack(STACK + 'build:\n  - {image: a/b, context: web}\n', { 'web/Dockerfile': 'FROM nginx:1.25\n' }),
  },
  FS1006: {
    bad: stack(STACK + 'build:\n  - {image: a/b, context: web, dockerfile: Other.Dockerfile}\n', {
      'web/Dockerfile': 'FROM nginx:1.25\n',
    }),
    good: stack(STACK + 'build:\n  - {image: a/b, context: web}\n', { 'web/Dockerfile': 'FROM nginx:1.25\n' }),
  },
  FS1008: {
    bad: stack(STACK + 'build:\n  - {image: a/b, context: ".."}\n'),
    good: stack(STACK + 'build:\n  - {image: a/b, context: web}\n', { 'web/Dockerfile': 'FROM nginx:1.25\n' }),
  },
  FS1009: {
    bad: { 'flotilla.yaml': 'name: t\nkustomize: nothere\n', 'k8s/app.yaml': DEP },
    good: {
      'flotilla.yaml': 'name: t\nkustomize: k8s\n',
      'k8s/app.yaml': DEP,
      'k8s/kustomization.yaml': 'resources: [app.yaml]\n',
    },
  },
  FS1010: {
    bad: {
      'skaffold.yaml':
        'apiVersion: skaffold/v4beta6\nkind: Config\nmanifests:\n  rawYaml: ["k8s/*.yaml"]\n  helm: {releases: [{name: x, chartPath: chart}]}\n',
      'k8s/app.yaml': DEP,
    },
    good: {
      'skaffold.yaml': 'apiVersion: skaffold/v4beta6\nkind: Config\nmanifests:\n  rawYaml: ["k8s/*.yaml"]\n',
      'k8s/app.yaml': DEP,
    },
  },
  FS1007: {
    bad: stack(STACK + 'build:\n  - {image: a/b, context: web}\n  - {image: a/b, context: web}\n', {
      'web/Dockerfile': 'FROM nginx:1.25\n',
    }),
    good: stack(STACK + 'build:\n  - {image: a/b, context: web}\n  - {image: a/c, context: web}\n', {
      'web/Dockerfile': 'FROM nginx:1.25\n',
    }),
  },
};
