import { strict as assert } from 'node:assert';
import { parseCpu, parseMemory } from '../../extension/engine/model/quantity';

describe('parseCpu', () => {
  const cases: [string | number, number][] = [
    ['100m', 100],
    ['0.5', 500],
    ['1.5', 1500],
    ['2', 2000],
    [2, 2000],
    [0.25, 250],
    ['.5', 500],
    ['0', 0],
    ['0m', 0],
    ['1000m', 1000],
    [' 250m ', 250],
    ['0.1', 100],
    ['0.0001', 1], // rounds up like MilliValue()
    ['1.5m', 2],
    ['2000u', 2], // micro: Kubernetes accepts n and u too
    ['500000n', 1],
    ['1e3', 1_000_000],
  ];
  for (const [input, want] of cases) {
    it(`${JSON.stringify(input)} → ${want}m`, () => assert.equal(parseCpu(input), want));
  }

  for (const bad of ['100x', '', 'm', '1.2.3', 'abc', '1 m', '2000µ']) {
    it(`rejects ${JSON.stringify(bad)} with a clear message`, () => {
      assert.throws(
        () => parseCpu(bad),
        (e: Error) =>
          e.message === `invalid cpu quantity "${bad}": expected a number with an optional suffix, e.g. 250m, 0.5 or 2`,
      );
    });
  }

  it('rejects negative and non-finite numbers', () => {
    assert.throws(() => parseCpu('-1'), /invalid cpu quantity "-1": must not be negative/);
    assert.throws(() => parseCpu(-1), /invalid cpu quantity -1/);
    assert.throws(() => parseCpu(Number.NaN), /invalid cpu quantity NaN/);
    assert.throws(() => parseCpu(Infinity), /invalid cpu quantity Infinity/);
  });

  it('rejects values of the wrong type', () => {
    assert.throws(() => parseCpu(null), /invalid cpu quantity null/);
  });
});

describe('parseMemory', () => {
  const cases: [string | number, number][] = [
    ['128Mi', 128 * 2 ** 20],
    ['1Ki', 1024],
    ['1Gi', 2 ** 30],
    ['1.5Gi', 1.5 * 2 ** 30],
    ['1Ti', 2 ** 40],
    ['1Pi', 2 ** 50],
    ['1Ei', 2 ** 60],
    ['1k', 1000],
    ['1M', 1e6],
    ['1G', 1e9],
    ['2T', 2e12],
    ['1P', 1e15],
    ['1E', 1e18],
    ['1e9', 1e9],
    ['1E3', 1000],
    ['12e+3', 12000],
    ['5e-1', 1], // 0.5 bytes rounds up
    ['129000000', 129000000],
    [1048576, 1048576],
    ['0', 0],
    ['100m', 1], // 0.1 byte: valid in Kubernetes, rounds up
    [' 64Mi ', 64 * 2 ** 20],
  ];
  for (const [input, want] of cases) {
    it(`${JSON.stringify(input)} → ${want} bytes`, () => assert.equal(parseMemory(input), want));
  }

  for (const bad of ['1Gb', 'Mi', '1 Gi', '1.2.3Mi', 'ten', '1e', '1ki', '']) {
    it(`rejects ${JSON.stringify(bad)} naming the accepted forms`, () => {
      assert.throws(
        () => parseMemory(bad),
        (e: Error) =>
          e.message.startsWith(`invalid memory quantity "${bad}": expected a number with an optional suffix`),
      );
    });
  }

  it('rejects negative quantities', () => {
    assert.throws(() => parseMemory('-1Mi'), /invalid memory quantity "-1Mi": must not be negative/);
    assert.throws(() => parseMemory(-5), /invalid memory quantity -5/);
  });

  it('rejects overflowing quantities', () => {
    assert.throws(() => parseMemory('1e400'), /too large/);
  });
});
