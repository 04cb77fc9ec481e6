// `flotilla lint [PATH...] [--format json|text]`: the language server's rules on the command
// line. Exit code 1 when any error-severity finding exists, 2 on a usage error.
import * as path from 'node:path';
import type { LintDiagnostic } from '../core/types';
import { lintPaths } from './collect';

const USAGE = 'usage: flotilla lint [PATH...] [--format text|json] [--no-docker]\n';

export async function runLintCli(argv: string[], out: NodeJS.WritableStream): Promise<number> {
  const paths: string[] = [];
  let format = 'text';
  let docker = true;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--format' || a === '-f') format = argv[++i] ?? '';
    else if (a.startsWith('--format=')) format = a.slice('--format='.length);
    else if (a === '--json') format = 'json';
    else if (a === '--no-docker') docker = false;
    else if (a === '--help' || a === '-h') {
      out.write(USAGE);
      return 0;
    } else if (a.startsWith('-')) {
      out.write(`flotilla lint: unknown option ${a}\n${USAGE}`);
      return 2;
    } else paths.push(a);
  }
  if (format !== 'text' && format !== 'json') {
    out.write(`flotilla lint: --format must be text or json\n${USAGE}`);
    return 2;
  }
  const diags = await lintPaths(paths.length ? paths : ['.'], { images: docker ? 'docker' : null });
  if (format === 'json') out.write(JSON.stringify(diags, null, 2) + '\n');
  else out.write(formatText(diags));
  return diags.some((d) => d.severity === 'error') ? 1 : 0;
}

export function formatText(diags: LintDiagnostic[]): string {
  const rel = (f: string) => {
    const r = path.relative(process.cwd(), f);
    return r && !r.startsWith('..') ? r : f;
  };
  const lines = diags.map((d) => `${rel(d.file)}:${d.line}:${d.column} ${d.severity} ${d.code} ${d.message}`);
  const count = (s: string) => diags.filter((d) => d.severity === s).length;
  lines.push(
    `${count('error')} error(s), ${count('warning')} warning(s), ${count('information') + count('hint')} note(s)`,
  );
  return lines.join('\n') + '\n';
}
