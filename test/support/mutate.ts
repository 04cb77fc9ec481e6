// Deterministic mutation of text files for fuzzing: byte-level damage (cut,
// insert noise, duplicate or swap lines, reverse a run) and structure-aware
// damage for YAML and Dockerfiles (wrong value types, huge or negative numbers,
// deep nesting, anchors and aliases, stray documents, bad instructions), plus
// the hostile files every parser must survive.

export type Rng = () => number;

/** mulberry32: a small seeded PRNG, so a failing case can be replayed from its seed. */
export function rng(seed: number): Rng {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(r: Rng, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];

const NOISE = [
  ':',
  '-',
  ' ',
  '\n',
  '\t',
  '[',
  ']',
  '{',
  '}',
  '"',
  "'",
  '&a ',
  '*a',
  '!!int ',
  '!!binary ',
  '|',
  '>',
  '#',
  '<<EOF\n',
  'EOF\n',
  '\\\n',
  '---\n',
  '...\n',
  'FROM',
  'RUN ',
  '--from=',
  '\u00e9',
  '\u202e',
  '\ud83d\ude80',
  '\r\n',
  '\r',
  '? ',
  '%YAML 1.2\n',
  '%TAG ! tag:x,2000:\n',
  '<<: *a\n',
  '\u0000',
  '\ufeff',
  '${',
  '$(',
  '`',
];
const YAML_VALUES = [
  '-1',
  '0',
  '1e309',
  '99999999999999999999',
  '0x1F',
  '.inf',
  '-.nan',
  'null',
  '~',
  'true',
  'yes',
  '""',
  "''",
  '[]',
  '{}',
  '[1, [2, [3]]]',
  '{a: {b: {c: 1}}}',
  '"\\u0000"',
  '&x 5',
  '*x',
  '*nope',
  '!!str 5',
  '!!map {}',
  '2001-12-14',
  '1.5Gi',
  '100m',
  '-5Mi',
  '3.14159',
  'é',
  '"a\\tb"',
  '|\n  block',
];
const DOCKER_LINES = [
  'FROM',
  'FROM scratch AS',
  'FROM ${X:-',
  'RUN',
  'RUN ["unterminated',
  'CMD []',
  'ENTRYPOINT ["a",',
  'COPY',
  'COPY --from= . .',
  'COPY ../../etc/passwd /x',
  'ADD http://127.0.0.1:1/x /x',
  'ARG',
  'ARG X=',
  'ENV A',
  'ENV =1',
  'EXPOSE -1',
  'EXPOSE 99999/sctp',
  'HEALTHCHECK --interval=-1s CMD',
  'USER',
  'WORKDIR',
  'ONBUILD ONBUILD RUN x',
  'SHELL not-json',
  '# syntax=docker/dockerfile:1',
  '# escape=`',
  'RUN <<EOF',
  'LABEL =',
  'STOPSIGNAL SIGNOPE',
  'MAINTAINER x',
  'VOLUME [',
  '\\',
];

/** Byte-level damage: 1–6 random edits. */
export function mutateBytes(text: string, r: Rng): string {
  let t = text;
  const n = 1 + Math.floor(r() * 6);
  for (let i = 0; i < n; i++) {
    const at = Math.floor(r() * (t.length + 1));
    switch (Math.floor(r() * 5)) {
      case 0:
        t = t.slice(0, at) + t.slice(at + Math.floor(r() * 20));
        break;
      case 1:
        t = t.slice(0, at) + pick(r, NOISE) + t.slice(at);
        break;
      case 2: {
        const lines = t.split('\n');
        lines.splice(Math.floor(r() * lines.length), 0, pick(r, lines));
        t = lines.join('\n');
        break;
      }
      case 3: {
        const lines = t.split('\n');
        const a = Math.floor(r() * lines.length);
        const b = Math.floor(r() * lines.length);
        [lines[a], lines[b]] = [lines[b], lines[a]];
        t = lines.join('\n');
        break;
      }
      default:
        t =
          t.slice(0, at) +
          t
            .slice(at, at + 40)
            .split('')
            .reverse()
            .join('') +
          t.slice(at + 40);
    }
  }
  return t;
}

/** YAML-aware damage: replace a value, re-indent a line, nest deeply, add aliases or documents. */
export function mutateYaml(text: string, r: Rng): string {
  const lines = text.split('\n');
  const n = 1 + Math.floor(r() * 3);
  for (let i = 0; i < n; i++) {
    const l = Math.floor(r() * lines.length);
    switch (Math.floor(r() * 7)) {
      case 0:
        lines[l] = lines[l].replace(/:\s+(.*)$/, (_m) => `: ${pick(r, YAML_VALUES)}`);
        break;
      case 1:
        lines[l] = ' '.repeat(Math.floor(r() * 9)) + lines[l].trimStart();
        break;
      case 2:
        lines[l] = lines[l].replace(
          /:\s+(.*)$/,
          `: ${'['.repeat(50 + Math.floor(r() * 200))}${']'.repeat(50 + Math.floor(r() * 200))}`,
        );
        break;
      case 3:
        lines.splice(l, 0, `x-${l}: &a {k: [*a]}`);
        break;
      case 4:
        lines.splice(l, 0, pick(r, ['---', '...', '--- !!str', '---\n---', '- x', '? [a]\n: b']));
        break;
      case 5:
        lines[l] = lines[l].replace(
          /^(\s*)(\w+):/,
          (_m, ind: string) =>
            `${ind}${pick(r, ['apiVersion', 'kind', 'metadata', 'spec', 'containers', 'replicas', 'name', 'image', 'ports', 'selector', 'template', 'build', 'manifests', 'security', 'allow', 'nodes', 'settings'])}:`,
        );
        break;
      default:
        lines.splice(l, 1);
    }
  }
  return lines.join('\n');
}

/** Dockerfile-aware damage: broken instructions, reordered lines, continuation chaos. */
export function mutateDockerfile(text: string, r: Rng): string {
  const lines = text.split('\n');
  const n = 1 + Math.floor(r() * 3);
  for (let i = 0; i < n; i++) {
    const l = Math.floor(r() * (lines.length + 1));
    switch (Math.floor(r() * 4)) {
      case 0:
        lines.splice(l, 0, pick(r, DOCKER_LINES));
        break;
      case 1:
        lines[l % lines.length] += pick(r, [' \\', ' \\\n', ' #', ' ${', ' "', ' [']);
        break;
      case 2:
        lines.splice(l % lines.length, 1);
        break;
      default:
        lines[l % lines.length] = lines[l % lines.length].toLowerCase();
    }
  }
  return lines.join('\n');
}

export function mutate(kind: 'yaml' | 'dockerfile', text: string, r: Rng): string {
  const structural = kind === 'yaml' ? mutateYaml : mutateDockerfile;
  const x = r();
  if (x < 0.4) return mutateBytes(text, r);
  if (x < 0.8) return structural(text, r);
  return mutateBytes(structural(text, r), r);
}

// ---- hostile files --------------------------------------------------------------

/** A billion-laughs alias bomb as a ConfigMap: 9^9 strings if expanded. */
export function aliasBomb(): string {
  const lines = [
    'apiVersion: v1',
    'kind: ConfigMap',
    'metadata: {name: bomb}',
    'x:',
    '  a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
  ];
  const names = 'abcdefghi';
  for (let i = 1; i < names.length; i++) {
    lines.push(
      `  ${names[i]}: &${names[i]} [${Array(9)
        .fill('*' + names[i - 1])
        .join(',')}]`,
    );
  }
  lines.push('data: *i', '');
  return lines.join('\n');
}

/** The same alias bomb inside a Deployment's pod template (reaches the pod-spec reader). */
export function aliasBombDeployment(): string {
  const names = 'abcdefghi';
  const lines = [
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata: {name: bomb}',
    'x-anchors:',
    '  a: &a [{name: A, value: "1"}, {name: B, value: "2"}, {name: C, value: "3"}]',
  ];
  for (let i = 1; i < names.length; i++) {
    lines.push(
      `  ${names[i]}: &${names[i]} [${Array(9)
        .fill('*' + names[i - 1])
        .join(',')}]`,
    );
  }
  lines.push(
    'spec:',
    '  selector: {matchLabels: {app: bomb}}',
    '  template:',
    '    metadata: {labels: {app: bomb}}',
    '    spec:',
    '      containers:',
    '        - name: bomb',
    '          image: flotilla.local/busybox:1',
    '          env: *i',
    '',
  );
  return lines.join('\n');
}

/** A valid multi-document manifest of about `bytes` bytes. */
export function bigManifest(bytes: number): string {
  const parts: string[] = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const d = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm-${i}}\ndata: {key: "${'x'.repeat(200)}"}\n`;
    parts.push(d);
    size += d.length + 4;
  }
  return parts.join('---\n');
}

/** Random bytes with NULs, as a Buffer (an image, an ELF, a tarball saved under a YAML name). */
export function binary(bytes: number, r: Rng): Buffer {
  const b = Buffer.alloc(bytes);
  for (let i = 0; i < bytes; i++) b[i] = Math.floor(r() * 256);
  b[0] = 0x7f;
  b[1] = 0x45;
  b[2] = 0x4c;
  b[3] = 0x46;
  b[4] = 0; // ELF magic and a NUL
  return b;
}
