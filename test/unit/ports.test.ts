import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { HOST_PORT_RANGE, planHostPort, portKey } from '../../extension/engine/balancer/ports';
import { PortStore } from '../../extension/engine/balancer/port-store';

describe('host port planning', () => {
  it('uses the nodePort as-is, before anything stored', () => {
    assert.deepEqual(planHostPort({ key: 'web/80', nodePort: 30080, stored: { 'web/80': 21000 } }), {
      kind: 'fixed',
      port: 30080,
      source: 'nodePort',
    });
  });

  it('reuses the stored port', () => {
    assert.deepEqual(planHostPort({ key: 'web/80', stored: { 'web/80': 21000 } }), {
      kind: 'fixed',
      port: 21000,
      source: 'stored',
    });
  });

  it('proposes the same in-range candidates for the same key, skipping ports the stack already uses', () => {
    const a = planHostPort({ key: 'web/80', stored: {} });
    const b = planHostPort({ key: 'web/80', stored: {} });
    assert.deepEqual(a, b);
    assert.equal(a.kind, 'choose');
    if (a.kind !== 'choose') return;
    assert.equal(new Set(a.candidates).size, a.candidates.length);
    for (const p of a.candidates) assert.ok(p >= HOST_PORT_RANGE.min && p <= HOST_PORT_RANGE.max);
    const c = planHostPort({ key: 'web/80', stored: { 'api/80': a.candidates[0] } });
    assert.ok(c.kind === 'choose' && !c.candidates.includes(a.candidates[0]));
    const d = planHostPort({ key: 'api/80', stored: {} });
    assert.ok(d.kind === 'choose' && d.candidates[0] !== a.candidates[0], 'different keys start apart');
  });

  it('covers a small range completely', () => {
    const p = planHostPort({ key: 'x/1', stored: {}, range: { min: 100, max: 109 }, limit: 100 });
    assert.ok(p.kind === 'choose');
    if (p.kind === 'choose') {
      assert.deepEqual(
        [...p.candidates].sort((x, y) => x - y),
        [100, 101, 102, 103, 104, 105, 106, 107, 108, 109],
      );
    }
  });
});

describe('PortStore', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-ports-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('chooses once, stores in .flotilla/ports.json and returns the same port later', async () => {
    const store = new PortStore(dir);
    const p = await store.resolve('web', 80, undefined, '127.0.0.1');
    assert.deepEqual(JSON.parse(fs.readFileSync(path.join(dir, '.flotilla', 'ports.json'), 'utf8')).ports, {
      [portKey('web', 80)]: p,
    });
    assert.equal(await new PortStore(dir).resolve('web', 80, undefined, '127.0.0.1'), p);
  });

  it('skips a candidate that is busy at choice time', async () => {
    // Occupy the first candidate of a fresh key ourselves (retrying keys whose first
    // candidate someone else on this machine already holds).
    let key = '';
    let candidates: number[] = [];
    const squatter = net.createServer();
    for (let i = 0; i < 20 && !squatter.listening; i++) {
      key = `svc${process.pid}x${i}`;
      const plan = planHostPort({ key: portKey(key, 80), stored: {} });
      if (plan.kind !== 'choose') return assert.fail('expected a choice');
      candidates = plan.candidates;
      await new Promise<void>((r) => {
        squatter.once('error', () => r());
        squatter.listen(candidates[0], '127.0.0.1', () => r());
      });
    }
    assert.ok(squatter.listening);
    try {
      const p = await new PortStore(dir).resolve(key, 80, undefined, '127.0.0.1');
      assert.notEqual(p, candidates[0]);
      assert.ok(candidates.includes(p));
    } finally {
      squatter.close();
    }
  });

  it('returns a stored port even when it is busy (the clash is reported, not moved)', async () => {
    const squatter = net.createServer();
    await new Promise<void>((r) => squatter.listen(0, '127.0.0.1', () => r()));
    const busy = (squatter.address() as net.AddressInfo).port;
    try {
      const store = new PortStore(dir);
      store.write({ 'web/80': busy });
      assert.equal(await store.resolve('web', 80, undefined, '127.0.0.1'), busy);
    } finally {
      squatter.close();
    }
  });
});
