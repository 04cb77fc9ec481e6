// Build-time generator: turns the kubernetes-types@1.30.0 declarations (every field with its
// official description) into the compact JSON schema the validator reads at run time, so the
// server works offline with no TypeScript compiler. Run: npx tsx language-server/scripts/gen-k8s-schema.ts
import * as ts from 'typescript';
import * as path from 'node:path';
import { writeFileSync } from 'node:fs';

const root = path.dirname(require.resolve('kubernetes-types/package.json'));
/** The kinds validated strictly; others (CRDs included) are recognised but not checked. */
const KINDS: [string, string, string][] = [
  ['apps/v1', 'Deployment', 'apps/v1'],
  ['apps/v1', 'StatefulSet', 'apps/v1'],
  ['apps/v1', 'DaemonSet', 'apps/v1'],
  ['v1', 'Service', 'core/v1'],
  ['v1', 'Pod', 'core/v1'],
  ['v1', 'ConfigMap', 'core/v1'],
  ['v1', 'Secret', 'core/v1'],
  ['v1', 'Namespace', 'core/v1'],
  ['v1', 'ServiceAccount', 'core/v1'],
  ['v1', 'PersistentVolumeClaim', 'core/v1'],
  ['autoscaling/v2', 'HorizontalPodAutoscaler', 'autoscaling/v2'],
  ['autoscaling/v1', 'HorizontalPodAutoscaler', 'autoscaling/v1'],
  ['batch/v1', 'Job', 'batch/v1'],
  ['batch/v1', 'CronJob', 'batch/v1'],
  ['networking.k8s.io/v1', 'Ingress', 'networking/v1'],
  ['policy/v1', 'PodDisruptionBudget', 'policy/v1'],
];

export type TypeRef =
  | { k: 'string' | 'number' | 'boolean' | 'quantity' | 'intOrString' | 'any' }
  | { k: 'const'; v: string }
  | { k: 'array' | 'map'; of: TypeRef }
  | { k: 'ref'; n: string };

const files = [...new Set(KINDS.map((k) => path.join(root, k[2] + '.d.ts')))];
const program = ts.createProgram(files, { strict: true, skipLibCheck: true });
const checker = program.getTypeChecker();
const types: Record<string, { d: string; p: Record<string, { t: TypeRef; d: string; r?: 1; ro?: 1 }> }> = {};
const queue: ts.InterfaceDeclaration[] = [];

function declName(decl: ts.InterfaceDeclaration): string {
  const rel = path
    .relative(root, decl.getSourceFile().fileName)
    .replace(/\.d\.ts$/, '')
    .replace(/\\/g, '/');
  return rel.replace(/\//g, '.') + '.' + decl.name.text;
}

function doc(node: ts.Node): string {
  const c = ts.getJSDocCommentsAndTags(node).find(ts.isJSDoc)?.comment;
  return typeof c === 'string' ? c : '';
}

function typeRef(node: ts.TypeNode): TypeRef {
  if (ts.isUnionTypeNode(node)) {
    const ks = node.types.map((t) => t.kind);
    if (ks.includes(ts.SyntaxKind.NumberKeyword) && ks.includes(ts.SyntaxKind.StringKeyword)) {
      return { k: 'intOrString' };
    }
    return typeRef(node.types[0]);
  }
  if (ts.isLiteralTypeNode(node) && ts.isStringLiteral(node.literal)) return { k: 'const', v: node.literal.text };
  if (node.kind === ts.SyntaxKind.StringKeyword) return { k: 'string' };
  if (node.kind === ts.SyntaxKind.NumberKeyword) return { k: 'number' };
  if (node.kind === ts.SyntaxKind.BooleanKeyword) return { k: 'boolean' };
  if (ts.isArrayTypeNode(node)) return { k: 'array', of: typeRef(node.elementType) };
  if (ts.isTypeLiteralNode(node)) {
    const idx = node.members.find(ts.isIndexSignatureDeclaration);
    return idx ? { k: 'map', of: typeRef(idx.type) } : { k: 'any' };
  }
  if (ts.isTypeReferenceNode(node)) {
    const name = node.typeName.getText();
    if (name === 'Array' && node.typeArguments) return { k: 'array', of: typeRef(node.typeArguments[0]) };
    if (name === 'Quantity') return { k: 'quantity' };
    let sym = checker.getSymbolAtLocation(node.typeName);
    if (sym && sym.flags & ts.SymbolFlags.Alias) sym = checker.getAliasedSymbol(sym);
    const decl = sym?.declarations?.[0];
    if (decl && ts.isTypeAliasDeclaration(decl)) return typeRef(decl.type);
    if (decl && ts.isInterfaceDeclaration(decl)) {
      const n = declName(decl);
      if (!(n in types)) {
        types[n] = { d: doc(decl), p: {} };
        queue.push(decl);
      }
      return { k: 'ref', n };
    }
  }
  return { k: 'any' };
}

function fill(decl: ts.InterfaceDeclaration): void {
  const t = types[declName(decl)];
  for (const m of decl.members) {
    if (!ts.isPropertySignature(m) || !m.type) continue;
    const name = ts.isIdentifier(m.name) || ts.isStringLiteral(m.name) ? m.name.text : m.name.getText();
    // read-only fields (status, creationTimestamp…) are set by the server: kept, as `kubectl
    // get -o yaml` output carries them, but never walked or required
    if (m.modifiers?.some((x) => x.kind === ts.SyntaxKind.ReadonlyKeyword)) {
      t.p[name] = { t: { k: 'any' }, d: doc(m), ro: 1 };
      continue;
    }
    t.p[name] = { t: typeRef(m.type), d: doc(m), ...(m.questionToken ? {} : { r: 1 as const }) };
  }
}

const kinds: Record<string, string> = {};
for (const [apiVersion, kind, file] of KINDS) {
  const sf = program.getSourceFile(path.join(root, file + '.d.ts'))!;
  const decl = sf.statements.find(
    (s): s is ts.InterfaceDeclaration => ts.isInterfaceDeclaration(s) && s.name.text === kind,
  )!;
  const n = declName(decl);
  types[n] = { d: doc(decl), p: {} };
  queue.push(decl);
  kinds[`${apiVersion}/${kind}`] = n;
}
while (queue.length) fill(queue.shift()!);

const out = path.join(__dirname, '..', 'src', 'k8s', 'schema.generated.json');
writeFileSync(out, JSON.stringify({ kubernetes: '1.30', source: 'kubernetes-types@1.30.0', kinds, types }) + '\n');
console.log(`wrote ${Object.keys(types).length} types to ${out}`);
