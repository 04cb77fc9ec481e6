// Writes language-server/docs/rules.md from the rule catalog, so every documentation link
// (https://flotilla.dev/rules/CODE) has content in the repository. Run after adding a rule:
//   npx tsx language-server/scripts/gen-rules-doc.ts
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { RULES } from '../src/core/catalog';
import { EXAMPLES } from './rule-examples';

const GROUPS: [string, string][] = [
  ['FD1', 'Dockerfile syntax'],
  ['FD3', 'Dockerfile best practice'],
  ['FD4', 'Dockerfile best practice'],
  ['FK', 'Kubernetes manifests (Kubernetes 1.30 schema)'],
  ['FX', 'Across resources of a stack'],
  ['FP', 'Security (allowed only through security.allow in the stack file)'],
  ['FS', 'Stack file (flotilla.yaml, skaffold.yaml)'],
];

export function rulesMarkdown(): string {
  const out = [
    '# Flotilla lint rules',
    '',
    'Generated from `src/core/catalog.ts` by `scripts/gen-rules-doc.ts`. Each code is stable; a diagnostic links to `https://flotilla.dev/rules/CODE`, which is the section of the same name below.',
    '',
    'Change a severity or turn a rule off with the `flotilla.lint.rules` setting, or silence one place with `# flotilla-ignore CODE` (see the README).',
    '',
  ];
  let group = '';
  for (const [code, r] of Object.entries(RULES)) {
    const g = GROUPS.find(([p]) => code.startsWith(p))![1];
    if (g !== group) {
      out.push(`## ${g}`, '');
      group = g;
    }
    out.push(
      `### ${code}`,
      '',
      `**${r.title}.** Default severity: ${r.severity}.${r.hadolint ? ` hadolint equivalent: [${r.hadolint}](https://github.com/hadolint/hadolint/wiki/${r.hadolint}).` : ''}`,
      '',
    );
    const ex = EXAMPLES[code];
    if (ex) out.push(ex, '');
  }
  return out.join('\n');
}

if (require.main === module) {
  const file = path.join(__dirname, '..', 'docs', 'rules.md');
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, rulesMarkdown());
  console.log(`wrote ${file}`);
}
