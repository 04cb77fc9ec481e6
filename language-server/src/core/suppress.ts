// Inline ignore comments and per-rule settings, applied after the rules ran so every rule
// (including those across files) is silenced the same way.
//   # flotilla-ignore CODE[,CODE]        silences the next line (or this line, as a trailing comment)
//   # flotilla-ignore-file [CODE[,CODE]] silences the whole file (every rule when no code is given)
//   # hadolint ignore=DL3008,DL3015      honoured in Dockerfiles through the hadolint mapping
import { FROM_HADOLINT, RULES } from './catalog';
import type { FileFinding, Finding, RuleSettings, Severity } from './types';

export interface Suppressions {
  file: Set<string> | 'all' | null;
  /** line (0-based) → codes silenced on it ('*' = all). */
  lines: Map<number, Set<string>>;
}

const PRAGMA = /#\s*(flotilla-ignore(?:-file)?|hadolint\s+ignore=)\s*([A-Za-z0-9_,\s]*)/;

export function parseSuppressions(text: string): Suppressions {
  const s: Suppressions = { file: null, lines: new Map() };
  if (!text.includes('flotilla-ignore') && !text.includes('hadolint')) return s;
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n];
    const m = PRAGMA.exec(line);
    if (!m) continue;
    const codes = m[2]
      .split(/[\s,]+/)
      .filter((c) => /^[A-Z]{2}\d{4}$/.test(c))
      .map((c) => FROM_HADOLINT[c] ?? c);
    if (m[1] === 'flotilla-ignore-file') {
      if (codes.length === 0) s.file = 'all';
      else if (s.file !== 'all') {
        const file = s.file ?? new Set<string>();
        codes.forEach((c) => file.add(c));
        s.file = file;
      }
      continue;
    }
    const set = codes.length ? codes : ['*'];
    const whole = line.trimStart().startsWith('#');
    // a comment on its own line targets the next non-comment line; a trailing one its own line
    let target = n;
    if (whole) {
      target = n + 1;
      while (target < lines.length && lines[target].trimStart().startsWith('#')) target++;
    }
    const cur = s.lines.get(target) ?? new Set<string>();
    set.forEach((c) => cur.add(c));
    s.lines.set(target, cur);
  }
  return s;
}

export function isSuppressed(s: Suppressions, f: Finding): boolean {
  if (s.file === 'all' || (s.file && s.file.has(f.code))) return true;
  const codes = s.lines.get(f.range.start.line);
  return !!codes && (codes.has('*') || codes.has(f.code));
}

/** Applies settings and pragmas; drops rules turned off. */
export function finalize(file: string, text: string, findings: Finding[], settings: RuleSettings = {}): FileFinding[] {
  const sup = parseSuppressions(text);
  const out: FileFinding[] = [];
  for (const f of findings) {
    const configured = settings[f.code];
    if (configured === 'off') continue;
    if (isSuppressed(sup, f)) continue;
    const severity: Severity = configured ?? f.severity ?? RULES[f.code]?.severity ?? 'warning';
    out.push({ ...f, file, severity });
  }
  return out;
}
