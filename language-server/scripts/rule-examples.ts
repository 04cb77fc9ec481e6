// Why each rule exists, in a sentence, for docs/rules.md.
export const EXAMPLES: Record<string, string> = {
  FD1001: 'A typo in an instruction (`RUNN`, `COPPY`) fails the build.',
  FD1002: 'For example `USER a b`, `ENV KEY` without a value, `COPY src` without a destination.',
  FD1003:
    "`CMD ['node', 'app.js']` is not JSON (single quotes): Docker silently runs it through `/bin/sh -c` as a string. SHELL must always be JSON.",
  FD1004:
    'Each instruction accepts a fixed set of flags (`COPY --from/--chown/--chmod/--link/--parents/--exclude`, `RUN --mount/--network/--security`, …).',
  FD1005: 'HEALTHCHECK durations must look like `30s` or `1m30s`, `--retries` a whole number, `--chmod` an octal mode.',
  FD1006: '`EXPOSE 99999` or `EXPOSE 80/http`: ports are 0–65535 and protocols tcp, udp or sctp.',
  FD1007: '`HEALTHCHECK` takes `CMD <command>` or `NONE` (alone).',
  FD1008: '`COPY --from=build` must name an earlier stage (or an image reference).',
  FD1009: 'Two stages named alike make `--from` ambiguous.',
  FD1010: 'Only ARG may precede the first FROM.',
  FD1011: '`FROM image AS name`: the keyword AS is required before a stage name.',
  FD1012: 'A heredoc `<<EOF` must be closed by a line holding only `EOF`.',
  FD1013:
    'A Dockerfile above 1 MB, or a binary file where a Dockerfile should be, is not parsed; `flotilla up` refuses it too.',
  FD3057: 'Shown as a hint: Flotilla uses Kubernetes probes, but a HEALTHCHECK helps plain `docker run` users.',
  FK2006:
    'Object names are DNS subdomains (lowercase, digits, "-", "."); a Service name is stricter, a DNS-1035 label: it becomes a DNS name.',
  FK2008:
    'Label values such as `version: 1.4 beta` (a space) are rejected by the API server; so are keys with invalid characters.',
  FS1004: 'A glob in `manifests` that matches nothing is usually a typo in a path.',
  FS1008:
    'Build contexts and Dockerfiles must lie inside the stack folder (symlinks resolved): the stack file must not send or echo files the project does not own.',
  FK1004: '`flotilla up` refuses manifests above 4 MB, so lint reports them as errors while still validating them.',
  FX1001: 'A Service whose selector matches no pod template never gets endpoints: requests to it fail.',
  FX1002: "A Deployment's selector must match its own template labels; the API server rejects the object otherwise.",
  FX1005: 'CPU utilization is computed relative to requests; without `resources.requests.cpu` the HPA cannot scale.',
  FX1006:
    'An HPA keeps the replica count within its minReplicas–maxReplicas: a `replicas` outside that range is changed at once, so the manifest says something that never runs. Within the range it is the starting count.',
  FX1012:
    'The image built from this Dockerfile does not EXPOSE the port the manifest expects: often a port mismatch between code and manifest.',
  FX1013:
    'Nothing can be pulled offline: build the image in the stack or load it into Docker first. Skipped silently when Docker is unreachable.',
  FP1001:
    'Privileged containers, host namespaces, host paths and extra capabilities reach the developer machine itself; opt in per stack with `security.allow`.',
  FK1005:
    'Kubernetes stopped serving these apiVersions: a cluster refuses the object. The message names the release that removed it and what to use instead; where only the apiVersion changes, the quick fix makes the change.',
  FK1006:
    'Many tutorials still use autoscaling/v1 or v2beta2. Flotilla runs them by converting them to autoscaling/v2 (v2beta1 and v2beta2 no longer exist in a cluster); the quick fix rewrites the object as v2.',
  FK1007:
    "`up` checks a few things no lint rule covers yet; lint shows them in the engine's own words, so the editor never hides why `up` refuses a stack.",
  FK3001:
    'A field Flotilla reads but does not apply locally (node affinity, tolerations, service accounts, …). `flotilla up` prints the same warning with the reason; the list lives in extension/engine/model/honoured.ts.',
  FK3002:
    'An object of a kind Flotilla does not run (an Ingress, a NetworkPolicy, RBAC, a CRD). `up` leaves it out and says so; errors inside it are shown but never block `up`.',
  FK3003:
    'A kustomization.yaml, a Component or a patch picked up by a manifest glob is not an object to apply: it is skipped. Point `kustomize:` in flotilla.yaml at the folder to run what it builds.',
  FK3004:
    'A Helm template ({{ }}) is not YAML until Helm renders it: it is skipped with this note instead of hundreds of errors. Run `helm template` and point the manifest globs at the output.',
  FX1014:
    "Inside the stack, clients reach a Service on its `port`, not on the container's `targetPort`. An env or ConfigMap value such as `catalog:3550` or `http://api:8080/x` that names a Service of the stack with another port is a connection refused at run time. Go to definition on the address opens the Service.",
  FS1009:
    '`kustomize:` folders are rendered with `kustomize build` or `kubectl kustomize`, whichever is on PATH. The message says what failed, or how to install one of them.',
  FS1010:
    "Flotilla reads skaffold's artifacts, rawYaml, kubectl manifests and kustomize paths; Helm releases are not rendered.",
};
