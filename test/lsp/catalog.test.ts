// The committed artefacts match their sources: docs/rules.md lists every code, and the
// curated enum table only names fields that exist in the bundled schema.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { RULES } from '../../language-server/src/core/catalog';
import { ENUMS, EXTRA_REQUIRED, PORT_FIELDS, SCHEMA } from '../../language-server/src/k8s/schema';
import { rulesMarkdown } from '../../language-server/scripts/gen-rules-doc';

describe('catalog and schema', () => {
  it('docs/rules.md is generated from the catalog and documents every code', () => {
    const md = readFileSync(path.resolve(__dirname, '../../language-server/docs/rules.md'), 'utf8');
    assert.equal(md, rulesMarkdown(), 'run npx tsx language-server/scripts/gen-rules-doc.ts');
    for (const code of Object.keys(RULES)) assert.match(md, new RegExp(`^### ${code}$`, 'm'));
  });

  it('has at least 20 best-practice rules, each naming its hadolint equivalent', () => {
    const bp = Object.entries(RULES).filter(([c]) => /^FD[34]/.test(c));
    assert.ok(bp.length >= 20);
    assert.deepEqual(
      bp.filter(([, r]) => !r.hadolint).map(([c]) => c),
      [],
    );
  });

  it('curated enums, required fields and port fields name real schema fields', () => {
    const missing = [...Object.keys(ENUMS), ...PORT_FIELDS].filter((k) => {
      const i = k.lastIndexOf('.');
      return !SCHEMA.types[k.slice(0, i)]?.p[k.slice(i + 1)];
    });
    assert.deepEqual(missing, []);
    for (const [t, fields] of Object.entries(EXTRA_REQUIRED)) {
      for (const f of fields) assert.ok(SCHEMA.types[t].p[f], `${t}.${f}`);
    }
  });

  it('bundles the required kinds with official descriptions', () => {
    for (const k of [
      'apps/v1/Deployment',
      'v1/Service',
      'autoscaling/v2/HorizontalPodAutoscaler',
      'v1/ConfigMap',
      'v1/Pod',
      'v1/Namespace',
      'v1/ServiceAccount',
      'v1/Secret',
    ]) {
      assert.ok(SCHEMA.kinds[k], k);
    }
    assert.match(SCHEMA.types['apps.v1.DeploymentSpec'].p.replicas.d, /Number of desired pods/);
  });
});
