// Quick fixes: each diagnostic carries its mechanical fix (if any) in `data`; every diagnostic
// also offers "ignore on this line" through the inline comment.
import { CodeActionKind, type CodeAction, type Diagnostic } from 'vscode-languageserver';
import type { LineIndex } from '../core/lines';
import type { Fix } from '../core/types';

export function codeActions(uri: string, lines: LineIndex, diagnostics: Diagnostic[]): CodeAction[] {
  const out: CodeAction[] = [];
  for (const d of diagnostics) {
    if (d.source !== 'flotilla') continue;
    const fix = (d.data as { fix?: Fix } | undefined)?.fix;
    if (fix) {
      out.push({
        title: fix.title,
        kind: CodeActionKind.QuickFix,
        diagnostics: [d],
        isPreferred: true,
        edit: { changes: { [uri]: fix.edits } },
      });
    }
    const line = d.range.start.line;
    const indent = /^\s*/.exec(lines.lineText(line))![0];
    out.push({
      title: `Ignore ${String(d.code)} on this line`,
      kind: CodeActionKind.QuickFix,
      diagnostics: [d],
      edit: {
        changes: {
          [uri]: [
            {
              range: { start: { line, character: 0 }, end: { line, character: 0 } },
              newText: `${indent}# flotilla-ignore ${String(d.code)}\n`,
            },
          ],
        },
      },
    });
  }
  return out;
}
