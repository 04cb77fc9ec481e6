// The committed artefacts match their sources: every code has its catalogue page (the target
// of its diagnostics' links), and the curated enum table only names fields of the bundled schema.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as path from 'node:path';
import { RULES, ruleUrl } from '../../language-server/src/core/catalog';
import { ENUMS, EXTRA_REQUIRED, PORT_FIELDS, SCHEMA } from '../../language-server/src/k8s/schema';
import { generatedDocs } from '../../language-server/scripts/gen-rules-doc';

describe('catalog and schema', () => {
  it('every code has its catalogue page (docs/rules/CODE.md, with a bad and a good example), generated from the catalog and the fixtures', async function () {
    this.timeout(60_000);
    const docs = path.resolve(__dirname, '../../language-server/docs');
    const generated = await generatedDocs();
    for (const [rel, text] of generated) {
      assert.equal(
        readFileSync(path.join(docs, rel), 'utf8'),
        text,
        `${rel}: run npx tsx language-server/scripts/gen-rules-doc.ts`,
      );
    }
    for (const code of Object.keys(RULES)) {
      const page = generated.get(`rules/${code}.md`)!;
      assert.match(page, new RegExp(`^# ${code}: `), code);
      assert.match(page, /^## Bad$/m, `${code} has a bad example`);
      assert.match(page, /^## Good$/m, `${code} has a good example`);
      assert.ok(existsSync(fileURLToPath(ruleUrl(code))), `the diagnostic link of ${code} opens its page`);
    }
    assert.deepEqual(
      readdirSync(path.join(docs, 'rules')).filter((f) => !generated.has(`rules/${f}`)),
      [],
      'no page for a code that is gone',
    );
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
