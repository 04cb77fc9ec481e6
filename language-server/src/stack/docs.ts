// Key reference for flotilla.yaml, for hover and completion in the stack file.
import { STACK_KEYS as STACK_SECTIONS } from '../../../extension/engine/model/stack-file';

export const STACK_KEYS: Record<string, string> = {
  name: 'Stack name (required): a DNS label, lowercase letters, digits and "-". Prefixes the containers and networks Flotilla creates.',
  manifests:
    'Manifest globs (YAML or JSON), relative to the stack file, e.g. ["k8s/*.yaml"]. This or `kustomize` is required.',
  kustomize:
    'A folder (or a list of folders) holding a kustomization.yaml, rendered with `kustomize build` or `kubectl kustomize`.',
  build:
    'Images the stack builds before it starts: a list of {image, context, dockerfile?, args?, target?, sync?, restart?, rebuildOn?}.',
  nodes: 'Virtual node pool the scheduler fills by requests: a list of {name, cpu, memory, labels?, unschedulable?}.',
  settings: 'Knobs for the local loop: backoff, grace period, resync, HPA sync and the bind address.',
  security:
    'security.allow opts in to pod features that reach the host: privileged, hostNetwork, hostPID, hostPath, capabilities.',
  image: 'Image name the manifests use in `image:` (a tag is optional there).',
  context: 'Build context folder, relative to the stack file.',
  dockerfile: 'Dockerfile path relative to the context (default: Dockerfile).',
  args: 'Build arguments: {KEY: value}.',
  target: 'Build stage to stop at (docker build --target).',
  sync: 'Live update: a list of {src, dest}. A saved file matching src (a path or glob in the context) is copied to dest in every running replica of the image instead of a rebuild.',
  restart:
    'What runs after a live update copied files: {signal: SIGHUP} to the main process, {exec: [cmd, ...]} in the container, or {process: true} to restart the main process in place.',
  rebuildOn: 'Paths or globs in the context whose changes always rebuild and roll, e.g. [package.json, Dockerfile].',
  src: 'A path or glob relative to the build context, e.g. "src/**".',
  dest: 'Absolute path in the container where the matched files go, e.g. /app/src.',
  signal: 'Signal sent to the main process after a sync, e.g. SIGHUP.',
  exec: 'Command run in the container after a sync, as a list, e.g. [kill, -HUP, "1"].',
  process: "true: restart the container's main process after a sync (the synced files stay).",
  cpu: 'CPU of the virtual node, as a quantity ("2", 1500m).',
  memory: 'Memory of the virtual node, as a quantity (2Gi).',
  labels: 'Node labels matched by nodeSelector.',
  unschedulable: 'When true, no new pod is placed on this node.',
  backoffBaseSeconds: 'CrashLoopBackOff base delay (Kubernetes: 10).',
  backoffMaxSeconds: 'CrashLoopBackOff cap (Kubernetes: 300).',
  terminationGracePeriodSeconds: "Overrides every pod's grace period when set.",
  resyncSeconds: 'Period of the full reconcile behind the event stream (default 30).',
  hpaSyncSeconds: 'HPA sync period (Kubernetes: 15).',
  hpaDownscaleStabilizationSeconds: 'Overrides the HPA scale-down stabilization window when set.',
  bindAddress: 'Address the Service load balancers bind to (default 127.0.0.1).',
  allow: 'Host-reaching features this stack may use; each is refused (FP rules) unless true here.',
  privileged: 'Allow privileged containers.',
  hostNetwork: 'Allow pods on the host network.',
  hostPID: "Allow pods in the host's PID namespace.",
  hostPath: 'Allow hostPath volumes.',
  capabilities: 'Allow securityContext.capabilities.add.',
};

/** Keys valid under each parent path of flotilla.yaml: the engine's reader's own list. */
export const STACK_CHILDREN: Record<string, readonly string[]> = STACK_SECTIONS;
