// Stacks on which the engine's loader and lint used to disagree, or that the issue reports
// from real projects: the agreement test runs them through both.
import { DEP, STACK, SVC } from './manifests';
import type { Files } from './types';

const m = (...docs: string[]): Files => ({ 'flotilla.yaml': STACK, 'k8s/app.yaml': docs.join('---\n') });

export const AGREEMENT_CASES: Record<string, Files> = {
  'stack name of 41 characters': {
    'flotilla.yaml': STACK.replace('name: t', `name: ${'a'.repeat(41)}`),
    'k8s/app.yaml': DEP,
  },
  'stack name of 40 characters': {
    'flotilla.yaml': STACK.replace('name: t', `name: ${'a'.repeat(40)}`),
    'k8s/app.yaml': DEP,
  },
  'node without cpu and memory': { 'flotilla.yaml': STACK + 'nodes: [{name: a}]\n', 'k8s/app.yaml': DEP },
  'resyncSeconds 0.5': { 'flotilla.yaml': STACK + 'settings: {resyncSeconds: 0.5}\n', 'k8s/app.yaml': DEP },
  'resyncSeconds 1': { 'flotilla.yaml': STACK + 'settings: {resyncSeconds: 1}\n', 'k8s/app.yaml': DEP },
  'skaffold deploy.kubectl.manifests': {
    'skaffold.yaml':
      'apiVersion: skaffold/v2beta29\nkind: Config\ndeploy:\n  kubectl:\n    manifests: ["k8s/*.yaml"]\n',
    'k8s/app.yaml': DEP.replace('replicas: 2', 'replicas: two'),
  },
  'a glob into dist/': { 'flotilla.yaml': 'name: t\nmanifests: [dist/app.yaml]\n', 'dist/app.yaml': DEP },
  'nodePort 0 means unset': m(
    DEP,
    SVC.replace('targetPort: 80', 'targetPort: 80\n      nodePort: 0'),
    SVC.replace('name: web\nspec', 'name: web2\nspec').replace('targetPort: 80', 'targetPort: 80\n      nodePort: 0'),
  ),
  'empty documents and a trailing ---': m('', DEP, '# only a comment\n', SVC, ''),
  'YAML merge keys': m(
    DEP.replace(
      'metadata:\n  name: web\n',
      'metadata:\n  name: web\n  labels: &labels {app: web, tier: front}\n',
    ).replace('      labels: {app: web}', '      labels:\n        <<: *labels\n        version: "1"'),
  ),
  'the quantity 2000u': m(DEP.replace('cpu: 100m', 'cpu: 2000u')),
  'an error in a kind up leaves out': m(
    DEP,
    'apiVersion: storage.k8s.io/v1beta1\nkind: StorageClass\nmetadata: {name: fast}\nprovisioner: x\n',
    'apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: web}\nspec:\n  rules: [{http: {paths: [{path: /, pathType: Prefix, colour: red, backend: {service: {name: web, port: {number: 80}}}}]}}]\n',
  ),
  'a removed apiVersion in a kind up runs': m(DEP.replace('apps/v1', 'extensions/v1beta1')),
  'autoscaling/v1 and v2beta2 HPAs': m(
    DEP.replace('  replicas: 2\n', ''),
    'apiVersion: autoscaling/v1\nkind: HorizontalPodAutoscaler\nmetadata: {name: web}\nspec:\n  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}\n  maxReplicas: 3\n  targetCPUUtilizationPercentage: 50\n',
    'apiVersion: autoscaling/v2beta2\nkind: HorizontalPodAutoscaler\nmetadata: {name: web2}\nspec:\n  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}\n  maxReplicas: 3\n',
  ),
  'a kustomization picked up by a glob': { ...m(DEP), 'k8s/kustomization.yaml': 'resources: [app.yaml]\n' },
  'a Helm template picked up by a glob': {
    ...m(DEP),
    'k8s/svc.yaml': SVC.replace('port: 80\n', 'port: {{ .Values.port }}\n'),
  },
  'a JSON manifest': {
    'flotilla.yaml': 'name: t\nmanifests: ["k8s/*.json"]\n',
    'k8s/app.json': JSON.stringify(
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'Web' }, spec: { ports: [{ port: 80 }] } },
      null,
      2,
    ),
  },
  'a Deployment name with dots': m(DEP.replace('name: web\nspec', 'name: web.v1\nspec')),
  'an HPA on an External metric': m(
    DEP.replace('  replicas: 2\n', ''),
    'apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: web}\nspec:\n  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}\n  maxReplicas: 3\n  metrics: [{type: External, external: {metric: {name: q}, target: {type: Value, value: "1"}}}]\n',
  ),
};
