// .dockerignore with Docker's own semantics (moby/patternmatcher and the
// CLI's ignorefile reader), so Flotilla sends exactly the files `docker build`
// would: patterns are matched against the slash-separated path relative to the
// context root, `*` and `?` stop at `/`, `**` spans directories, a pattern that
// matches a parent directory excludes everything below it, `!` re-includes, and
// the last matching pattern wins.

import { posix } from 'node:path';
import { errorMessage } from '../util/errors';

export interface IgnorePattern {
  /** The cleaned pattern, without its `!`. */
  pattern: string;
  /** A `!` pattern: re-includes what earlier patterns excluded. */
  exclusion: boolean;
  regexp: RegExp;
}

/**
 * The patterns of a .dockerignore file, as the Docker CLI reads them: `#`
 * lines are comments, whitespace is trimmed, each pattern is path-cleaned and
 * a leading `/` is dropped (patterns are relative to the context root).
 */
export function parseDockerignore(text: string): string[] {
  const out: string[] = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  for (const line of lines) {
    if (line.startsWith('#')) continue;
    let pattern = line.trim();
    if (pattern === '') continue;
    const invert = pattern.startsWith('!');
    if (invert) pattern = pattern.slice(1).trim();
    if (pattern.length > 0) {
      pattern = cleanPath(pattern);
      if (pattern.length > 1 && pattern.startsWith('/')) pattern = pattern.slice(1);
    }
    out.push(invert ? `!${pattern}` : pattern);
  }
  return out;
}

/** Go's filepath.Clean for slash paths: no `//`, no `.` parts, `..` resolved, no trailing `/`. */
export function cleanPath(p: string): string {
  if (p === '') return '.';
  let c = posix.normalize(p);
  if (c.length > 1 && c.endsWith('/')) c = c.slice(0, -1);
  return c;
}

export class DockerIgnore {
  readonly patterns: IgnorePattern[];
  private readonly hasExclusions: boolean;

  constructor(patterns: string[]) {
    this.patterns = [];
    for (const raw of patterns) {
      let p = raw.trim();
      if (p === '') continue;
      let exclusion = false;
      if (p.startsWith('!')) {
        if (p.length === 1) {
          throw new Error('invalid .dockerignore pattern "!": an exception needs a path after the "!"');
        }
        exclusion = true;
        p = p.slice(1);
      }
      p = cleanPath(p);
      this.patterns.push({ pattern: p, exclusion, regexp: compile(p) });
    }
    this.hasExclusions = this.patterns.some((p) => p.exclusion);
  }

  static fromText(text: string): DockerIgnore {
    return new DockerIgnore(parseDockerignore(text));
  }

  /**
   * Whether `relPath` (slash-separated, relative to the context root) is left
   * out of the context: it or one of its parent directories matches a pattern,
   * and no later `!` pattern matches it or a parent.
   */
  ignores(relPath: string): boolean {
    const file = cleanPath(relPath);
    if (file === '.') return false; // never exclude the whole context
    const parents = parentDirs(file);
    let matched = false;
    for (const p of this.patterns) {
      // An inclusion cannot change an already-excluded path, nor an exception an included one.
      if (p.exclusion !== matched) continue;
      let match = p.regexp.test(file);
      if (!match) match = parents.some((dir) => p.regexp.test(dir));
      if (match) matched = !p.exclusion;
    }
    return matched;
  }

  /**
   * For an ignored directory: whether the walk must still descend, because an
   * exception pattern starts with this directory's path (Docker's own rule, a
   * plain prefix test, so `!**\/keep` does not re-include inside ignored dirs).
   */
  mayReincludeUnder(dirRelPath: string): boolean {
    if (!this.hasExclusions) return false;
    const dirSlash = `${cleanPath(dirRelPath)}/`;
    return this.patterns.some((p) => p.exclusion && `${p.pattern}/`.startsWith(dirSlash));
  }
}

/** "a/b/c" → ["a", "a/b"]. */
function parentDirs(file: string): string[] {
  const parts = file.split('/');
  const out: string[] = [];
  for (let i = 1; i < parts.length; i++) out.push(parts.slice(0, i).join('/'));
  return out;
}

/** A .dockerignore pattern to an anchored regular expression, as patternmatcher compiles it. */
function compile(pattern: string): RegExp {
  // patternmatcher's suffixMatch: a leading "**" followed only by literal text
  // is a plain "ends with" test, so "**foo" also matches "barfoo".
  const rest = pattern.slice(2);
  if (pattern.startsWith('**') && !rest.startsWith('/') && rest !== '' && !/[*?[\]\\]/.test(rest)) {
    return new RegExp(`^.*${[...rest].map(escapeChar).join('')}$`, 's');
  }
  let re = '^';
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i];
    if (inClass) {
      if (ch === ']') inClass = false;
      if (ch === '\\' && i + 1 < pattern.length) {
        re += '\\' + pattern[++i];
        continue;
      }
      re += ch === '[' ? '\\[' : ch;
      continue;
    }
    if (ch === '*') {
      if (pattern[i + 1] === '*') {
        i++;
        if (pattern[i + 1] === '/') i++; // "**/" is the same as "**"
        // "**" at the end takes anything; elsewhere any number of directories (even none).
        re += i + 1 >= pattern.length ? '.*' : '(?:.*/)?';
      } else {
        re += '[^/]*';
      }
    } else if (ch === '?') {
      re += '[^/]';
    } else if (ch === '[') {
      inClass = true;
      re += '[';
      if (pattern[i + 1] === '^') {
        re += '^';
        i++;
      }
    } else if (ch === '\\') {
      // Escapes the next character literally (filepath.Match); a trailing "\" is itself.
      if (i + 1 < pattern.length) re += escapeChar(pattern[++i]);
      else re += '\\\\';
    } else {
      re += escapeChar(ch);
    }
  }
  if (inClass) throw new Error(`invalid .dockerignore pattern "${pattern}": unterminated character class "["`);
  re += '$';
  try {
    return new RegExp(re, 's');
  } catch (e) {
    throw new Error(`invalid .dockerignore pattern "${pattern}": ${errorMessage(e)}`);
  }
}

function escapeChar(ch: string): string {
  return /[.*+?^${}()|[\]\\/]/.test(ch) ? `\\${ch}` : ch;
}
