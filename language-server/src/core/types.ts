// The rule engine's own vocabulary, free of any editor API so the CLI and the engine share it.
import type { Range, TextEdit } from 'vscode-languageserver-types';

export type { Range, TextEdit };
export type Severity = 'error' | 'warning' | 'information' | 'hint';

/** A mechanical fix: applying the edits to the finding's file resolves it. */
export interface Fix {
  title: string;
  edits: TextEdit[];
}

/** One rule violation, with a 0-based range in its file. */
export interface Finding {
  code: string;
  message: string;
  range: Range;
  /** Overrides the rule's default severity (rare: one code, two strengths). */
  severity?: Severity;
  fix?: Fix;
  /** In a kind `up` does not run: shown, but never refuses the stack. */
  inert?: boolean;
}

/** A finding after severity settings and ignore comments were applied. */
export interface FileFinding extends Finding {
  file: string;
  severity: Severity;
}

/** The public, 1-based form printed by `flotilla lint` and read by the engine. */
export interface LintDiagnostic {
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  severity: Severity;
  code: string;
  message: string;
  /** An error in what `up` runs: the engine refuses the stack on it. Errors in kinds `up` leaves out are not. */
  blocking: boolean;
}

/** Per-rule settings: `flotilla.lint.rules` = {CODE: 'off' | severity}. */
export type RuleSettings = Record<string, Severity | 'off'>;

export function range(sl: number, sc: number, el: number, ec: number): Range {
  return { start: { line: sl, character: sc }, end: { line: el, character: ec } };
}
