// Quick fixes: each diagnostic carries its mechanical fix (if any) in `data`; every diagnostic
// also offers "ignore on this line" through the inline comment.
import { CodeActionKind, type CodeAction, type Diagnostic } from 'vscode-languageserver';
import type { LineIndex } from '../core/lines';
import type { Fix, TextEdit } from '../core/types';

/** The fix a diagnostic carries in `data` (put there by toDiagnostic), checked since data makes a round trip. */
function fixOf(data: unknown): Fix | undefined {
  if (typeof data !== 'object' || data === null || !('fix' in data)) return undefined;
  const fix: unknown = data.fix;
  if (typeof fix !== 'object' || fix === null || !('title' in fix) || !('edits' in fix)) return undefined;
  const { title, edits } = fix;
  return typeof title === 'string' && Array.isArray(edits) && edits.every(isTextEdit) ? { title, edits } : undefined;
}

function isTextEdit(e: unknown): e is TextEdit {
  return typeof e === 'object' && e !== null && 'range' in e && 'newText' in e && typeof e.newText === 'string';
}

/** Codes of the floating-tag rules (no tag, `:latest`): their range is the image reference. */
const FLOATING_TAG = new Set(['FD3006', 'FD3007']);

/**
 * "Pin to the local image's digest" for a floating tag whose image the local engine has under a
 * registry digest. `digestOf` asks the engine (undefined: no digest, nothing offered).
 */
export async function pinActions(
  uri: string,
  lines: LineIndex,
  diagnostics: Diagnostic[],
  digestOf: (ref: string) => Promise<string | undefined>,
): Promise<CodeAction[]> {
  const out: CodeAction[] = [];
  for (const d of diagnostics) {
    if (d.source !== 'flotilla' || !FLOATING_TAG.has(String(d.code))) continue;
    const ref = lines.text.slice(lines.offset(d.range.start), lines.offset(d.range.end)).trim();
    const digest = ref ? await digestOf(ref) : undefined;
    if (!digest) continue;
    out.push({
      title: `Pin to the local image's digest (${digest.slice(digest.indexOf('@') + 1, digest.indexOf('@') + 20)}…)`,
      kind: CodeActionKind.QuickFix,
      diagnostics: [d],
      isPreferred: true,
      edit: { changes: { [uri]: [{ range: d.range, newText: digest }] } },
    });
  }
  return out;
}

export function codeActions(uri: string, lines: LineIndex, diagnostics: Diagnostic[]): CodeAction[] {
  const out: CodeAction[] = [];
  for (const d of diagnostics) {
    if (d.source !== 'flotilla') continue;
    const fix = fixOf(d.data);
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
