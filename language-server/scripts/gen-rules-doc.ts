// Writes the rule catalogue: language-server/docs/rules/<CODE>.md for every code (each
// diagnostic's codeDescription links to its page) and docs/rules.md, the index. Each page has
// the rule's title and severity, why it exists, and a bad and a good example taken from the
// rule's test fixtures (test/lsp/cases), with what `flotilla lint` says about the bad one.
// Run after adding or changing a rule:
//   npx tsx language-server/scripts/gen-rules-doc.ts
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { RULES } from '../src/core/catalog';
import { lintPaths } from '../src/lint/collect';
import { DOCKERFILE_CASES } from '../../test/lsp/cases/dockerfile';
import { MANIFEST_CASES } from '../../test/lsp/cases/manifests';
import type { Files } from '../../test/lsp/cases/types';
import { EXAMPLES } from './rule-examples';

export const RULES_DIR = path.join(__dirname, '..', 'docs', 'rules');
const CASES = { ...DOCKERFILE_CASES, ...MANIFEST_CASES };
const LOCAL_IMAGES = new Set(['nginx:1.25', 'debian:12']);
const MAX_LINES = 40;

const GROUPS: [string, string][] = [
  ['FD1', 'Dockerfile syntax'],
  ['FD3', 'Dockerfile best practice'],
  ['FD4', 'Dockerfile best practice'],
  ['FK3', 'What Flotilla honours'],
  ['FK', 'Kubernetes manifests (Kubernetes 1.30 schema)'],
  ['FX', 'Across resources of a stack'],
  ['FP', 'Security (allowed only through security.allow in the stack file)'],
  ['FS', 'Stack file (flotilla.yaml, skaffold.yaml)'],
];

function group(code: string): string {
  return GROUPS.find(([p]) => code.startsWith(p))![1];
}

/** docs/rules.md: the index of every code, grouped, each linking to its page. */
export function rulesIndex(): string {
  const out = [
    '# Flotilla lint rules',
    '',
    'Generated from `src/core/catalog.ts` and the rule fixtures by `scripts/gen-rules-doc.ts`. Each code is stable and has its own page in [rules/](rules/) with a bad and a good example; every diagnostic links to its page.',
    '',
    'Change a severity or turn a rule off with the `flotilla.lint.rules` setting, or silence one place with `# flotilla-ignore CODE` (see the README).',
    '',
  ];
  let current = '';
  for (const [code, r] of Object.entries(RULES)) {
    const g = group(code);
    if (g !== current) {
      out.push('', `## ${g}`, '', '| code | rule | default |', '|---|---|---|');
      current = g;
    }
    out.push(`| [${code}](rules/${code}.md) | ${r.title.replace(/\|/g, '\\|')} | ${r.severity} |`);
  }
  return out.join('\n') + '\n';
}

/** One rule's page. */
export async function rulePage(code: string): Promise<string> {
  const r = RULES[code];
  const out = [`# ${code}: ${r.title}`, ''];
  out.push(
    `Default severity: **${r.severity}**. Group: ${group(code)}.${r.hadolint ? ` hadolint equivalent: [${r.hadolint}](https://github.com/hadolint/hadolint/wiki/${r.hadolint}).` : ''}`,
    '',
  );
  if (EXAMPLES[code]) out.push(EXAMPLES[code], '');
  const c = CASES[code];
  if (c) {
    const { file, said } = await flagged(code, c.bad);
    out.push('## Bad', '', ...show(c.bad, file, code), '');
    if (said.length) out.push('`flotilla lint` says:', '', '```', ...said, '```', '');
    out.push('## Good', '', ...show(c.good, sameOrFirst(c.good, file), code), '');
  }
  out.push(
    '## Settings',
    '',
    `Turn it off or change its severity with \`"flotilla.lint.rules": {"${code}": "off"}\`; silence one line with \`# flotilla-ignore ${code}\`.`,
    '',
  );
  return out.join('\n');
}

/** The file of a fixture the rule flags, and the lines `flotilla lint` prints for it. */
async function flagged(code: string, files: Files): Promise<{ file: string; said: string[] }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'flotilla-rule-doc-'));
  try {
    for (const [rel, text] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
      writeFileSync(path.join(dir, rel), text);
    }
    const found = (await lintPaths([dir], { images: LOCAL_IMAGES })).filter((d) => d.code === code);
    const file = found.length ? path.relative(dir, found[0].file).split(path.sep).join('/') : Object.keys(files)[0];
    const said = found
      .slice(0, 3)
      .map(
        (d) =>
          `${path.relative(dir, d.file).split(path.sep).join('/')}:${d.line}:${d.column} ${d.severity} ${d.code} ${d.message}`,
      )
      .map((l) => l.split(dir).join('.')); // no temporary path in a committed page
    return { file, said };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function sameOrFirst(files: Files, file: string): string {
  return file in files
    ? file
    : (Object.keys(files).find((f) => !/(flotilla|skaffold)\.yaml$/.test(f)) ?? Object.keys(files)[0]);
}

/** A fixture's file as a fenced block (the stack file too, for stack rules and short stacks). */
function show(files: Files, file: string, code: string): string[] {
  const out: string[] = [];
  const names = [file];
  if (file !== 'flotilla.yaml' && 'flotilla.yaml' in files && (code.startsWith('FP') || code.startsWith('FS'))) {
    names.unshift('flotilla.yaml');
  }
  for (const name of names) {
    const text = files[name] ?? '';
    out.push(`\`${name}\``, '', '```' + fence(name), ...excerpt(text), '```', '');
  }
  return out.slice(0, -1);
}

function fence(name: string): string {
  if (/Dockerfile|\.dockerfile$/i.test(name)) return 'dockerfile';
  if (name.endsWith('.json')) return 'json';
  return /\.ya?ml$/.test(name) ? 'yaml' : '';
}

function excerpt(text: string): string[] {
  if (text.includes('\u0000')) return ['(a binary file: bytes that are not text)'];
  const lines = text.replace(/\n$/, '').split('\n');
  if (lines.length <= MAX_LINES) return lines;
  return [...lines.slice(0, MAX_LINES), `# … ${lines.length - MAX_LINES} more lines`];
}

/** Every generated file: path relative to language-server/docs → content. */
export async function generatedDocs(): Promise<Map<string, string>> {
  const out = new Map<string, string>([['rules.md', rulesIndex()]]);
  for (const code of Object.keys(RULES)) out.set(`rules/${code}.md`, await rulePage(code));
  return out;
}

async function main(): Promise<void> {
  const docs = path.join(__dirname, '..', 'docs');
  mkdirSync(RULES_DIR, { recursive: true });
  for (const [rel, text] of await generatedDocs()) writeFileSync(path.join(docs, rel), text);
  console.log(`wrote ${docs}/rules.md and ${Object.keys(RULES).length} pages in ${RULES_DIR}`);
}

if (require.main === module) {
  main().catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
