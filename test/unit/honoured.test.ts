// The table of honoured fields (extension/engine/model/honoured.ts) against the engine's own
// reader: a field the reader takes a value from must not be reported as "not honoured". Every
// manifest of the public corpus, the example stack and the fixtures is read with a tracing
// reader; when an engine change starts honouring a field and the table is not updated, this
// fails and names the field.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { isRunKind, unhonoured } from '../../extension/engine/model/honoured';
import { pathShape, Reader } from '../../extension/engine/model/reader';
import { readResource } from '../../extension/engine/model/resources';
import { parseYamlFile } from '../../extension/engine/model/yaml-source';

const ROOT = path.resolve(__dirname, '../..');

/** Fields the engine reads only to refuse or report them itself: "not honoured" is the truth. */
const READ_TO_REPORT = new Set<string>([
  // kept in the claim's spec for what status shows; a Docker volume has no class
  'PersistentVolumeClaim spec.storageClassName',
  'StatefulSet spec.volumeClaimTemplates[].spec.storageClassName',
]);

function manifests(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir)) {
    const p = path.join(dir, e);
    if (statSync(p).isDirectory()) manifests(p, out);
    else if (/\.(ya?ml|json)$/.test(e)) out.push(p);
  }
  return out;
}

describe('table of honoured fields', function () {
  this.timeout(60_000); // parses some 900 documents
  it('never reports a field the engine reads as not honoured (public corpus, example, fixtures)', () => {
    const files = ['test/fixtures', 'examples'].flatMap((d) => manifests(path.join(ROOT, d)));
    assert.ok(files.length > 300, `${files.length} files`);
    const wrong = new Map<string, string>();
    let docs = 0;
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      if (text.includes('{{') || text.length > 1024 * 1024) continue; // templates, the 4 MB fixture
      for (const d of parseYamlFile(file, text).docs) {
        const v = d.value;
        if (typeof v !== 'object' || v === null || !('kind' in v) || typeof v.kind !== 'string') continue;
        const apiVersion = 'apiVersion' in v && typeof v.apiVersion === 'string' ? v.apiVersion : '';
        if (!isRunKind(v.kind, apiVersion)) continue;
        docs++;
        const r = new Reader(d, { trace: true });
        readResource(r, v);
        for (const u of unhonoured(d.doc)) {
          const shape = pathShape(u.path);
          if (u.code === 'FK3001' && r.reads?.has(shape) && !READ_TO_REPORT.has(`${v.kind} ${shape}`)) {
            wrong.set(`${v.kind} ${shape}`, `${path.relative(ROOT, file)}: ${u.message}`);
          }
        }
      }
    }
    assert.ok(docs > 100, `${docs} documents of kinds up runs`);
    assert.deepEqual([...wrong.values()], [], 'mark these honoured in honoured.ts (or list them in READ_TO_REPORT)');
  });

  it('reports the fields it does not honour, with the reason, where they are written', () => {
    const text =
      'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  revisionHistoryLimit: 3\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      affinity: {nodeAffinity: {}}\n      containers: [{name: web, image: nginx}]\n';
    const d = parseYamlFile('d.yaml', text).docs[0];
    const found = unhonoured(d.doc).map((u) => [u.code, pathShape(u.path), d.lines.linePos(u.range[0]).line]);
    assert.deepEqual(found, [
      ['FK3001', 'spec.revisionHistoryLimit', 5],
      ['FK3001', 'spec.template.spec.affinity', 10],
    ]);
    const ingress = parseYamlFile('i.yaml', 'apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: x}\n')
      .docs[0];
    assert.deepEqual(
      unhonoured(ingress.doc).map((u) => [u.code, u.message]),
      [
        [
          'FK3002',
          'Ingress is not run by Flotilla (there is no ingress controller: each Service gets its own 127.0.0.1 port); `up` leaves it out.',
        ],
      ],
    );
  });
});
