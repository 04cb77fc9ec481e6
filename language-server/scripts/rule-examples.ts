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
    'With an HPA, `replicas` in the Deployment is overwritten on every sync; keeping it causes surprises on re-apply.',
  FX1012:
    'The image built from this Dockerfile does not EXPOSE the port the manifest expects: often a port mismatch between code and manifest.',
  FX1013:
    'Nothing can be pulled offline: build the image in the stack or load it into Docker first. Skipped silently when Docker is unreachable.',
  FP1001:
    'Privileged containers, host namespaces, host paths and extra capabilities reach the developer machine itself; opt in per stack with `security.allow`.',
};
