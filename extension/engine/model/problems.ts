// A problem found in the user's files. Every message names file, line and fix,
// so a bad save never leaves the user guessing (and never touches what runs).
import * as path from 'node:path';

export interface Problem {
  file: string;
  line: number; // 1-based
  column: number; // 1-based
  message: string;
  code?: string;
  severity?: 'error' | 'warning' | 'information' | 'hint';
}

export function formatProblem(p: Problem, cwd = process.cwd()): string {
  const rel = path.relative(cwd, p.file) || p.file;
  const code = p.code ? ` ${p.code}` : '';
  return `${rel}:${p.line}:${p.column}${code} ${p.message}`;
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
