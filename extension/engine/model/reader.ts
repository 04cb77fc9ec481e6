// Typed reading of plain YAML data with problems located at the offending node.
// Converters call these instead of casting, so a wrong type becomes a message
// with file, line and the expected shape instead of a crash deep in the engine.
import type { Problem } from './problems';
import { locate, type YamlDoc, type YamlPath } from './yaml-source';
import type { IntOrString, SourceRef } from './types';
import { errorMessage } from '../util/errors';

export type Obj = Record<string, unknown>;

export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Problems recorded per YAML document before the rest are summarised in one line. */
export const MAX_PROBLEMS_PER_DOCUMENT = 100;

export class Reader {
  readonly problems: Problem[] = [];
  /** With `trace`, the shape of every path read with a value ("spec.ports[].port"): tests check it against honoured.ts. */
  readonly reads?: Set<string>;

  constructor(
    readonly doc: YamlDoc,
    opts: { trace?: boolean } = {},
  ) {
    if (opts.trace) this.reads = new Set();
  }

  private seen(v: unknown, path: YamlPath): void {
    if (this.reads && v !== undefined && v !== null) this.reads.add(pathShape(path));
  }

  at(path: YamlPath): SourceRef {
    return locate(this.doc, path);
  }

  fail(path: YamlPath, message: string, key = false, code?: string): void {
    // Locating a node costs a walk of its parents: thousands of bad keys in one document
    // would make loading quadratic (a 3 MB file of unknown keys took 40 s). Stop at a bound.
    if (this.problems.length >= MAX_PROBLEMS_PER_DOCUMENT) {
      if (this.problems.length === MAX_PROBLEMS_PER_DOCUMENT) {
        const top = locate(this.doc, []);
        this.problems.push({
          file: top.file,
          line: top.line,
          column: top.column,
          message: `more than ${MAX_PROBLEMS_PER_DOCUMENT} problems in this document; fix these first`,
        });
      }
      return;
    }
    const at = locate(this.doc, path, key);
    // A coded problem carries the language server's own text for the same rule, unprefixed.
    const text = code ? message : `${dotted(path)}: ${message}`;
    this.problems.push({ file: at.file, line: at.line, column: at.column, message: text, ...(code ? { code } : {}) });
  }

  obj(v: unknown, path: YamlPath): Obj | undefined {
    this.seen(v, path);
    if (v === undefined || v === null) return undefined;
    if (isObj(v)) return v;
    this.fail(path, `expected a mapping, got ${describe(v)}`);
    return undefined;
  }

  arr(v: unknown, path: YamlPath): unknown[] {
    this.seen(v, path);
    if (v === undefined || v === null) return [];
    if (Array.isArray(v)) return v;
    this.fail(path, `expected a list, got ${describe(v)}`);
    return [];
  }

  str(v: unknown, path: YamlPath, required = false): string | undefined {
    this.seen(v, path);
    if (v === undefined || v === null) {
      if (required) this.fail(path, 'is required');
      return undefined;
    }
    if (typeof v === 'string') return v;
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    this.fail(path, `expected a string, got ${describe(v)}`);
    return undefined;
  }

  int(v: unknown, path: YamlPath, opts: { min?: number; max?: number } = {}): number | undefined {
    this.seen(v, path);
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v)) {
      this.fail(path, `expected an integer, got ${describe(v)}`);
      return undefined;
    }
    if (opts.min !== undefined && v < opts.min) this.fail(path, `must be at least ${opts.min}`);
    else if (opts.max !== undefined && v > opts.max) this.fail(path, `must be at most ${opts.max}`);
    return v;
  }

  bool(v: unknown, path: YamlPath): boolean | undefined {
    this.seen(v, path);
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'boolean') return v;
    this.fail(path, `expected true or false, got ${describe(v)}`);
    return undefined;
  }

  strMap(v: unknown, path: YamlPath): Record<string, string> {
    const o = this.obj(v, path);
    const out: Record<string, string> = {};
    for (const [k, val] of Object.entries(o ?? {})) {
      const s = this.str(val, [...path, k]);
      if (s !== undefined) out[k] = s;
    }
    return out;
  }

  intOrString(v: unknown, path: YamlPath): IntOrString | undefined {
    this.seen(v, path);
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'number' && Number.isInteger(v)) return v;
    if (typeof v === 'string' && v !== '') return v;
    this.fail(path, `expected an integer or a string, got ${describe(v)}`);
    return undefined;
  }

  oneOf<T extends string>(v: unknown, path: YamlPath, allowed: readonly T[], def: T): T {
    this.seen(v, path);
    if (v === undefined || v === null) return def;
    if (isOneOf(v, allowed)) return v;
    this.fail(path, `must be one of ${allowed.join(', ')}; got ${JSON.stringify(v)}`);
    return def;
  }

  /** Reports keys this engine does not know, so a typo is not silently ignored. */
  known(o: Obj | undefined, path: YamlPath, keys: readonly string[]): void {
    for (const k of Object.keys(o ?? {})) {
      if (!keys.includes(k)) {
        this.fail([...path, k], `unknown field "${k}" (expected one of: ${keys.join(', ')})`, true);
      }
    }
  }

  /** Runs a conversion that may throw (e.g. quantity parsing) and records its message. */
  guard<T>(path: YamlPath, fn: () => T): T | undefined {
    try {
      return fn();
    } catch (e) {
      this.fail(path, errorMessage(e));
      return undefined;
    }
  }
}

function isOneOf<T extends string>(v: unknown, allowed: readonly T[]): v is T {
  return allowed.some((a) => a === v);
}

/** "spec.ports[].port": a path with its list indices left out, as honoured.ts names fields. */
export function pathShape(path: YamlPath): string {
  let s = '';
  for (const p of path) s += typeof p === 'number' ? '[]' : s ? `.${p}` : p;
  return s;
}

export function dotted(path: YamlPath): string {
  let s = '';
  for (const p of path) s += typeof p === 'number' ? `[${p}]` : s ? `.${p}` : p;
  return s || '(document)';
}

function describe(v: unknown): string {
  if (Array.isArray(v)) return 'a list';
  if (v === null) return 'null';
  if (typeof v === 'object') return 'a mapping';
  return `${typeof v} ${JSON.stringify(v)}`;
}
