// Every rule code with its default severity and one-line title. Codes are stable: they are
// printed by `flotilla lint`, used in ignore comments and settings, and linked to their page
// docs/rules/<CODE>.md.
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Severity } from './types';

export interface RuleInfo {
  severity: Severity;
  title: string;
  /** The hadolint rule this one mirrors, for users coming from hadolint. */
  hadolint?: string;
}

const e = 'error';
const w = 'warning';
const i = 'information';

export const RULES: Record<string, RuleInfo> = {
  // Dockerfile syntax
  FD1001: { severity: e, title: 'Unknown instruction' },
  FD1002: { severity: e, title: 'Wrong number of arguments' },
  FD1003: { severity: e, title: 'Malformed JSON (exec) form' },
  FD1004: { severity: e, title: 'Unknown flag for this instruction' },
  FD1005: { severity: e, title: 'Invalid flag value' },
  FD1006: { severity: e, title: 'Invalid EXPOSE port or protocol', hadolint: 'DL3011' },
  FD1007: { severity: e, title: 'Invalid HEALTHCHECK' },
  FD1008: { severity: e, title: '`COPY --from` names an unknown stage', hadolint: 'DL3022' },
  FD1009: { severity: e, title: 'Duplicate stage name', hadolint: 'DL3024' },
  FD1010: { severity: e, title: 'The first instruction must be FROM (ARG may precede it)' },
  FD1011: { severity: e, title: 'Malformed FROM' },
  FD1013: { severity: e, title: 'Dockerfile too large or binary' },
  FD1012: { severity: e, title: 'Unterminated heredoc' },
  // Dockerfile best practice (hadolint equivalents)
  FD3000: { severity: w, title: 'Use an absolute WORKDIR', hadolint: 'DL3000' },
  FD3001: { severity: i, title: 'Command makes little sense in a container', hadolint: 'DL3001' },
  FD3002: { severity: w, title: 'Last USER should not be root', hadolint: 'DL3002' },
  FD3003: { severity: w, title: 'Use WORKDIR to switch directory, not cd', hadolint: 'DL3003' },
  FD3004: { severity: w, title: 'Do not use sudo', hadolint: 'DL3004' },
  FD3006: { severity: w, title: 'Always tag the image version', hadolint: 'DL3006' },
  FD3007: { severity: w, title: 'Do not use the :latest tag', hadolint: 'DL3007' },
  FD3008: { severity: w, title: 'Pin versions in apt-get install', hadolint: 'DL3008' },
  FD3009: { severity: i, title: 'Delete the apt lists after installing', hadolint: 'DL3009' },
  FD3012: { severity: w, title: 'Only one HEALTHCHECK per stage', hadolint: 'DL3012' },
  FD3013: { severity: w, title: 'Pin versions in pip install', hadolint: 'DL3013' },
  FD3014: { severity: w, title: 'Use -y with apt-get install', hadolint: 'DL3014' },
  FD3015: { severity: i, title: 'Use --no-install-recommends with apt-get install', hadolint: 'DL3015' },
  FD3019: { severity: i, title: 'Use apk add --no-cache', hadolint: 'DL3019' },
  FD3020: { severity: w, title: 'Use COPY instead of ADD for files and folders', hadolint: 'DL3020' },
  FD3021: {
    severity: e,
    title: 'COPY with more than two arguments needs a destination ending in /',
    hadolint: 'DL3021',
  },
  FD3025: { severity: w, title: 'Use the JSON form for CMD and ENTRYPOINT', hadolint: 'DL3025' },
  FD3027: { severity: w, title: 'Use apt-get or apt-cache, not apt', hadolint: 'DL3027' },
  FD3029: { severity: w, title: 'Do not use --platform in FROM', hadolint: 'DL3029' },
  FD3042: { severity: w, title: 'Use pip install --no-cache-dir', hadolint: 'DL3042' },
  FD3045: { severity: w, title: 'COPY to a relative destination without WORKDIR', hadolint: 'DL3045' },
  FD3057: { severity: 'hint', title: 'HEALTHCHECK instruction missing', hadolint: 'DL3057' },
  FD3059: { severity: i, title: 'Consecutive RUN instructions could be merged', hadolint: 'DL3059' },
  FD4000: { severity: w, title: 'MAINTAINER is deprecated', hadolint: 'DL4000' },
  FD4001: { severity: w, title: 'Use either wget or curl, not both', hadolint: 'DL4001' },
  FD4003: { severity: w, title: 'Multiple CMD instructions: only the last takes effect', hadolint: 'DL4003' },
  FD4004: { severity: w, title: 'Multiple ENTRYPOINT instructions: only the last takes effect', hadolint: 'DL4004' },
  FD4006: { severity: w, title: 'Set -o pipefail before RUN with a pipe', hadolint: 'DL4006' },
  // Manifests
  FK1001: { severity: e, title: 'YAML syntax error' },
  FK1002: { severity: e, title: 'Document has no apiVersion or kind' },
  FK1003: { severity: w, title: 'Unknown apiVersion for a known kind' },
  FK1004: { severity: e, title: 'Manifest too large for the engine' },
  FK1005: { severity: e, title: 'apiVersion removed from Kubernetes' },
  FK1006: { severity: w, title: 'Older HorizontalPodAutoscaler version, read as autoscaling/v2' },
  FK1007: { severity: e, title: '`up` refuses this (a check of the engine with no rule of its own)' },
  FK2001: { severity: e, title: 'Unknown field' },
  FK2002: { severity: e, title: 'Wrong value type' },
  FK2003: { severity: e, title: 'Missing required field' },
  FK2004: { severity: e, title: 'Value not among the allowed values' },
  FK2005: { severity: e, title: 'Invalid quantity' },
  FK2006: { severity: e, title: 'Invalid object name' },
  FK2007: { severity: e, title: 'Port number out of range' },
  FK2008: { severity: e, title: 'Invalid label key or value' },
  // What Flotilla honours (extension/engine/model/honoured.ts); `up` prints the same lines
  FK3001: { severity: w, title: 'Field not honoured by Flotilla' },
  FK3002: { severity: w, title: 'Kind not run by Flotilla' },
  FK3003: { severity: i, title: 'kustomize build file skipped' },
  FK3004: { severity: i, title: 'Helm template skipped' },
  // Across resources
  FX1001: { severity: w, title: 'Service selector matches no pod template' },
  FX1002: { severity: e, title: 'Selector does not match the pod template labels' },
  FX1003: { severity: e, title: 'HPA target not found' },
  FX1004: { severity: e, title: 'HPA minReplicas greater than maxReplicas' },
  FX1005: { severity: w, title: 'HPA CPU utilization metric on containers without CPU requests' },
  FX1006: { severity: i, title: '`replicas` outside its HPA’s range' },
  FX1007: { severity: w, title: 'Service targetPort not declared by the selected containers' },
  FX1008: { severity: w, title: 'Probe port not declared by the container' },
  FX1009: { severity: e, title: 'Resource request above its limit' },
  FX1010: { severity: e, title: 'Duplicate name for this kind' },
  FX1011: { severity: e, title: 'Two Services claim the same nodePort' },
  FX1012: { severity: w, title: 'The image built by the stack does not EXPOSE this containerPort' },
  FX1013: { severity: i, title: 'Image neither built by the stack nor present locally' },
  FX1014: { severity: w, title: 'A client address names a port its Service does not have' },
  // Security
  FP1001: { severity: e, title: 'Privileged container not allowed by the stack' },
  FP1002: { severity: e, title: 'hostNetwork not allowed by the stack' },
  FP1003: { severity: e, title: 'hostPID not allowed by the stack' },
  FP1004: { severity: e, title: 'hostPath volume not allowed by the stack' },
  FP1005: { severity: e, title: 'Added capabilities not allowed by the stack' },
  // Stack file
  FS1001: { severity: e, title: 'Unknown key in the stack file' },
  FS1002: { severity: e, title: 'Wrong value in the stack file' },
  FS1003: { severity: e, title: 'Missing required key in the stack file' },
  FS1004: { severity: w, title: 'Manifest glob matches no file' },
  FS1005: { severity: e, title: 'Build context folder not found' },
  FS1006: { severity: e, title: 'Dockerfile not found' },
  FS1007: { severity: e, title: 'Duplicate entry in the stack file' },
  FS1008: { severity: e, title: 'Build context or Dockerfile outside the stack folder' },
  FS1009: { severity: e, title: 'kustomize folder cannot be rendered' },
  FS1010: { severity: w, title: 'Part of skaffold.yaml Flotilla does not read' },
};

/** The catalogue pages (docs/rules/<CODE>.md), from the sources or from the bundle in dist/. */
function rulesDir(): string {
  const candidates = [
    path.resolve(__dirname, '..', '..', 'docs', 'rules'),
    path.resolve(__dirname, '..', 'language-server', 'docs', 'rules'),
  ];
  return candidates.find((d) => existsSync(d)) ?? candidates[0];
}

let dir: string | undefined;

/** The page of a rule (a diagnostic's codeDescription): a file the editor opens. */
export function ruleUrl(code: string): string {
  dir ??= rulesDir();
  return pathToFileURL(path.join(dir, `${code}.md`)).toString();
}

/** hadolint code → our code, so `# hadolint ignore=DL3008` is honoured too. */
export const FROM_HADOLINT: Record<string, string> = Object.fromEntries(
  Object.entries(RULES)
    .filter(([, r]) => r.hadolint)
    .map(([code, r]) => [r.hadolint!, code]),
);
