// The engine's model reports Problems (1-based positions, as `up` prints them); the rule engine
// works with Findings (0-based LSP ranges). One conversion keeps code, text and fix identical.
import type { Problem } from '../../../extension/engine/model/problems';
import type { Finding } from './types';

export function fromProblem(p: Problem): Finding {
  const start = { line: p.line - 1, character: p.column - 1 };
  const end =
    p.endLine !== undefined && p.endColumn !== undefined ? { line: p.endLine - 1, character: p.endColumn - 1 } : start;
  const range = { start, end };
  return {
    code: p.code ?? 'FS1002',
    message: p.message,
    range,
    ...(p.severity ? { severity: p.severity } : {}),
    ...(p.fix ? { fix: { title: p.fix.title, edits: [{ range, newText: p.fix.newText }] } } : {}),
  };
}
