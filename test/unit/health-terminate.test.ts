import { strict as assert } from 'node:assert';
import { effectiveGraceSeconds, DEFAULT_TERMINATION_GRACE_SECONDS } from '../../extension/engine/health/terminate';

describe('effectiveGraceSeconds', () => {
  it('uses the stack override over the pod value', () => {
    assert.equal(effectiveGraceSeconds({ terminationGracePeriodSeconds: 30 }, { terminationGracePeriodSeconds: 2 }), 2);
    assert.equal(effectiveGraceSeconds({ terminationGracePeriodSeconds: 30 }, { terminationGracePeriodSeconds: 0 }), 0);
  });
  it('uses the pod value without an override', () => {
    assert.equal(effectiveGraceSeconds({ terminationGracePeriodSeconds: 5 }, {}), 5);
    assert.equal(effectiveGraceSeconds({ terminationGracePeriodSeconds: 0 }, undefined), 0);
  });
  it('falls back to Kubernetes’ 30 s and ignores invalid values', () => {
    assert.equal(DEFAULT_TERMINATION_GRACE_SECONDS, 30);
    assert.equal(effectiveGraceSeconds(undefined, undefined), 30);
    assert.equal(
      effectiveGraceSeconds({ terminationGracePeriodSeconds: -1 }, { terminationGracePeriodSeconds: Number.NaN }),
      30,
    );
    assert.equal(effectiveGraceSeconds({ terminationGracePeriodSeconds: 2.7 }, {}), 2);
  });
});
