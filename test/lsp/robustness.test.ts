// Hostile and broken input: mutated corpus files (fuzz), a YAML alias bomb and a 5 MB file,
// checked in-process and through the real server. Nothing may throw or hang.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { checkCross } from '../../language-server/src/cross/rules';
import { lintDockerfile } from '../../language-server/src/dockerfile/lint';
import { lintManifestFile, resourcesOf } from '../../language-server/src/k8s/resources';
import { parseYaml } from '../../language-server/src/yaml/parse';
import { lintStackDir } from '../../language-server/src/index';
import { TestClient } from './client';
import { LineIndex } from '../../language-server/src/core/lines';
import { dockerfileCompletion, manifestCompletion } from '../../language-server/src/server/completion';
import { dockerfileHover, manifestHover } from '../../language-server/src/server/hover';
import { definition, dockerfileSymbols, manifestSymbols } from '../../language-server/src/server/navigation';
import { stackCompletion, stackHover } from '../../language-server/src/server/stack-features';

const CORPUS = path.resolve(__dirname, '../fixtures/lint/corpus');
/** Generous per-file bound: a hang or a blow-up, not a benchmark. */
const PER_FILE_MS = 3000;

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NOISE = [
  ':',
  '-',
  ' ',
  '\n',
  '\t',
  '[',
  ']',
  '{',
  '}',
  '"',
  "'",
  '&a ',
  '*a',
  '!!int ',
  '|',
  '>',
  '#',
  '<<EOF\n',
  'EOF\n',
  '\\\n',
  '---\n',
  'FROM',
  'RUN ',
  '--from=',
  '\u00e9',
  '\r\n',
  '? ',
  '%YAML 1.2\n',
];

export function mutate(text: string, r: () => number): string {
  let t = text;
  const n = 1 + Math.floor(r() * 6);
  for (let i = 0; i < n; i++) {
    const at = Math.floor(r() * (t.length + 1));
    const op = Math.floor(r() * 4);
    if (op === 0) t = t.slice(0, at) + t.slice(at + Math.floor(r() * 20));
    else if (op === 1) t = t.slice(0, at) + NOISE[Math.floor(r() * NOISE.length)] + t.slice(at);
    else if (op === 2) {
      const lines = t.split('\n');
      const l = Math.floor(r() * lines.length);
      lines.splice(l, 0, lines[Math.floor(r() * lines.length)]);
      t = lines.join('\n');
    } else {
      t =
        t.slice(0, at) +
        t
          .slice(at, at + 40)
          .split('')
          .reverse()
          .join('') +
        t.slice(at + 40);
    }
  }
  return t;
}

function lintAny(file: string, text: string): void {
  if (/Dockerfile/.test(file)) lintDockerfile(text);
  else {
    const y = parseYaml(text);
    lintManifestFile(file, y);
    checkCross({ resources: resourcesOf(file, y), builds: [], dockerfiles: new Map(), localImages: new Set() });
  }
}

function aliasBomb(): string {
  const lines = [
    'apiVersion: v1',
    'kind: ConfigMap',
    'metadata: {name: bomb}',
    'x:',
    '  a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
  ];
  const names = 'abcdefghi';
  for (let i = 1; i < names.length; i++) {
    lines.push(
      `  ${names[i]}: &${names[i]} [${Array(9)
        .fill('*' + names[i - 1])
        .join(',')}]`,
    );
  }
  lines.push('data: *i', '');
  return lines.join('\n');
}

function bigManifest(bytes: number): string {
  const doc = readFileSync(path.join(CORPUS, 'shop/k8s/web.yaml'), 'utf8');
  const parts: string[] = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const d = doc.replace(/\bweb\b/g, `web-${i}`);
    parts.push(d);
    size += d.length + 4;
  }
  return parts.join('---\n');
}

describe('robustness', function () {
  this.timeout(120_000);
  const inputs = files(CORPUS).filter((f) => /Dockerfile|\.ya?ml$/.test(f));

  it('fuzz: 400 mutated corpus files never throw nor exceed the per-file bound', () => {
    const r = rng(20261122);
    for (let i = 0; i < 400; i++) {
      const file = inputs[i % inputs.length];
      const text = mutate(readFileSync(file, 'utf8'), r);
      const t0 = performance.now();
      assert.doesNotThrow(() => lintAny(file, text), `input ${i} from ${file}:\n${text}`);
      assert.ok(performance.now() - t0 < PER_FILE_MS, `input ${i} took too long`);
    }
  });

  it('fuzz: hover, completion, definition and symbols at random positions never throw', () => {
    const r = rng(99);
    for (let i = 0; i < 300; i++) {
      const file = inputs[i % inputs.length];
      const text = mutate(readFileSync(file, 'utf8'), r);
      const lines = new LineIndex(text);
      const line = Math.floor(r() * (lines.lineCount + 1));
      const ch = Math.floor(r() * 60);
      const where = `input ${i} from ${file} at ${line}:${ch}:\n${text}`;
      assert.doesNotThrow(() => {
        if (/Dockerfile/.test(file)) {
          dockerfileHover(text, line, ch);
          dockerfileCompletion(lines, line, ch);
          dockerfileSymbols(text, lines);
        } else {
          const y = parseYaml(text);
          manifestHover(y, lines, line, ch);
          manifestCompletion(lines, line, ch);
          manifestSymbols(y);
          definition(file, y, line, ch, resourcesOf(file, y), undefined);
          stackHover(y, lines, line, ch);
          stackCompletion(lines, line, ch);
        }
      }, where);
    }
  });

  it('an alias bomb is neither expanded nor fatal', () => {
    const y = parseYaml(aliasBomb());
    const t0 = performance.now();
    const f = lintManifestFile('bomb.yaml', y);
    assert.ok(
      f.some((x) => x.code === 'FK2002'),
      'data: a list where a map is expected',
    );
    assert.ok(performance.now() - t0 < PER_FILE_MS);
  });

  it('a 5 MB manifest file is validated completely', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'flotilla-big-'));
    try {
      const text = bigManifest(5 * 1024 * 1024).replace('cpu: 50m', 'cpu: 50x');
      writeFileSync(path.join(dir, 'big.yaml'), text);
      const diags = await lintStackDir(dir, { images: null });
      assert.equal(diags.filter((d) => d.code === 'FK2005').length, 1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('through the server', () => {
    let c: TestClient;
    let tmp: string;
    before(async () => {
      tmp = mkdtempSync(path.join(tmpdir(), 'flotilla-fuzz-'));
      c = await TestClient.start(tmp, { docker: false, debounceMs: 5 });
    });
    after(async () => {
      await c.stop();
      rmSync(tmp, { recursive: true, force: true });
    });

    it('answers every mutated document with diagnostics and stays alive', async () => {
      const r = rng(7);
      for (let i = 0; i < 40; i++) {
        const src = inputs[i % inputs.length];
        const name = /Dockerfile/.test(src) ? `f${i}.Dockerfile` : `f${i}.yaml`;
        const d = await c.open(
          path.join(tmp, name),
          mutate(readFileSync(src, 'utf8'), r),
          /Dockerfile/.test(src) ? 'dockerfile' : 'yaml',
        );
        assert.ok(Array.isArray(d));
      }
      assert.equal(c.proc.exitCode, null);
      assert.doesNotMatch(c.stderr, /validation of .* failed/);
    });

    it('survives an alias bomb and a 5 MB document', async () => {
      const bomb = await c.open(path.join(tmp, 'bomb.yaml'), aliasBomb());
      assert.ok(bomb.some((d) => d.code === 'FK2002'));
      const hover = await c.request('textDocument/hover', {
        textDocument: { uri: c.uri(path.join(tmp, 'bomb.yaml')) },
        position: { line: 13, character: 2 },
      });
      assert.ok(hover === null || typeof hover === 'object');
      const big = await c.open(
        path.join(tmp, 'big.yaml'),
        bigManifest(5 * 1024 * 1024).replace('cpu: 50m', 'cpu: 50x'),
      );
      assert.equal(big.filter((d) => d.code === 'FK2005').length, 1);
      const syms = await c.request<unknown[]>('textDocument/documentSymbol', {
        textDocument: { uri: c.uri(path.join(tmp, 'big.yaml')) },
      });
      assert.ok(syms.length > 1000);
    });
  });
});
