// A problem found in the user's files. Every message names file, line and fix,
// so a bad save never leaves the user guessing (and never touches what runs).
import * as path from 'node:path';

export interface Problem {
  file: string;
  line: number; // 1-based
  column: number; // 1-based
  /** End of the offending text (1-based, exclusive), when known: the language server underlines it. */
  endLine?: number;
  endColumn?: number;
  message: string;
  /** The rule code (language-server/docs/rules/CODE.md), shared by `up` and the language server. */
  code?: string;
  /** Absent means error: only errors refuse a stack. */
  severity?: 'error' | 'warning' | 'information' | 'hint';
  /** A mechanical fix: replace the problem's range with newText. */
  fix?: { title: string; newText: string };
}

export function isError(p: Problem): boolean {
  return (p.severity ?? 'error') === 'error';
}

export function formatProblem(p: Problem, cwd = process.cwd()): string {
  const rel = path.relative(cwd, p.file) || p.file;
  const code = p.code ? ` ${p.code}` : '';
  const level = p.severity && p.severity !== 'error' ? `${p.severity}: ` : '';
  return `${rel}:${p.line}:${p.column}${code} ${level}${p.message}`;
}

/** Thrown when the stack cannot be applied; carries every problem found, not just the first. */
export class StackError extends Error {
  constructor(
    readonly problems: Problem[],
    cwd = process.cwd(),
  ) {
    super(problems.map((p) => formatProblem(p, cwd)).join('\n'));
    this.name = 'StackError';
  }
}
